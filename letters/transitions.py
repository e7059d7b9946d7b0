"""The letter status machine, guarded here and nowhere else (as reminders.transitions).

    planned → sending → sent → delivered → returned      (NHS Notify)
    sending → planned   (a transient error: tried again, Notify asked first)
    planned → queued → printed → returned                (the post room's print batch)
    planned | sending | queued → skipped                 sending | sent → failed

Returned, failed and skipped are final. Every change is one conditional UPDATE, so two
workers, or a late status from Notify, never move a letter backwards.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from letters.models import Letter, LetterStatus

S = LetterStatus
FINAL_STATUSES = frozenset({S.RETURNED, S.FAILED, S.SKIPPED})

ALLOWED_FROM: dict[str, frozenset[str]] = {
    S.SENDING: frozenset({S.PLANNED}),
    S.PLANNED: frozenset({S.SENDING}),
    S.SENT: frozenset({S.SENDING}),
    S.QUEUED: frozenset({S.PLANNED}),
    S.PRINTED: frozenset({S.QUEUED}),
    S.DELIVERED: frozenset({S.SENT}),
    S.RETURNED: frozenset({S.SENT, S.DELIVERED, S.PRINTED}),
    S.FAILED: frozenset({S.SENDING, S.SENT}),
    S.SKIPPED: frozenset({S.PLANNED, S.SENDING, S.QUEUED}),
}


class IllegalTransition(ValueError):
    pass


def letter_transition(*, letter_id: int, to: str, now: datetime | None = None, **changes: Any) -> bool:
    """Move one letter to `to` if its current status allows it; True if it moved."""
    return letters_transition(Letter.objects.filter(pk=letter_id), to=to, now=now, **changes) == 1


def letters_transition(letters, *, to: str, now: datetime | None = None, **changes: Any) -> int:
    """Move every letter of the queryset whose status allows it; how many moved."""
    if to not in ALLOWED_FROM:
        raise IllegalTransition(f"no transition into {to!r}")
    return letters.filter(status__in=ALLOWED_FROM[to]).update(
        status=to, status_changed_at=now or timezone.now(), **changes
    )
