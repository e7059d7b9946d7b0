"""What an import changed, announced to the apps that planned work for those appointments.

The importer knows nothing of calls or reminders. After each chunk it announces the
appointments that were cancelled, moved (a new start time) or have happened, and the
patients it newly knows have died, and every
handler registered here reacts in the same transaction: calls close the calls no longer
needed, reminders skip or re-time what they had planned. Apps register in their
AppConfig.ready(), the way they register free text with audit.retention:

    from appointments.changes import on_appointments_changed
    on_appointments_changed(calls_follow_changed_appointments)

A handler takes an AppointmentChanges and returns counts of what it did (summed into
the import batch's `replanning`). After an uploaded import that created or updated
appointments has committed, handlers registered with `on_extract_imported` run (the
reports' rollup rebuild, for one).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from django.db import transaction


@dataclass(frozen=True)
class AppointmentChanges:
    cancelled_ids: Collection[int] = ()
    moved_ids: Collection[int] = ()
    happened_ids: Collection[int] = ()
    # Patients the extract newly says have died: every channel stops for all their appointments.
    deceased_patient_ids: Collection[int] = ()

    def __bool__(self) -> bool:
        return bool(self.cancelled_ids or self.moved_ids or self.happened_ids or self.deceased_patient_ids)


ChangeHandler = Callable[[AppointmentChanges], Mapping[str, int]]
_CHANGE_HANDLERS: list[ChangeHandler] = []
_IMPORTED_HANDLERS: list[Callable[[], None]] = []


def on_appointments_changed(handler: ChangeHandler) -> None:
    """Register `handler` to react to changed appointments (idempotent: once per function)."""
    if handler not in _CHANGE_HANDLERS:
        _CHANGE_HANDLERS.append(handler)


def on_extract_imported(handler: Callable[[], None]) -> None:
    """Register `handler` to run after an import that created or updated appointments commits."""
    if handler not in _IMPORTED_HANDLERS:
        _IMPORTED_HANDLERS.append(handler)


@transaction.atomic
def announce_appointments_changed(changes: AppointmentChanges) -> Counter:
    """Tell every registered app what changed, in the caller's transaction; returns their counts."""
    counts: Counter = Counter()
    if not changes:
        return counts
    for handler in _CHANGE_HANDLERS:
        counts.update(handler(changes))
    return counts


def announce_extract_imported() -> None:
    """Run the after-import handlers (called once the import's own transactions have committed)."""
    for handler in _IMPORTED_HANDLERS:
        handler()
