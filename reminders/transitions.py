"""The reminder status machine, guarded here and nowhere else.

    planned → sending → sent → delivered | undelivered | failed
    planned | sending → skipped            sending → failed
    sending → planned   (a transient provider error: tried again later)

Delivered, undelivered, failed and skipped are final: nothing leaves them. Every
change is one conditional UPDATE (`WHERE status IN (allowed sources)`), so two
workers, or a late delivery receipt, can never move a reminder backwards: the
update simply changes no row, and the caller learns that from the False it gets.

A reminder in `sending` may also carry the "handed to the provider" marker (`handed_at`,
`reminder_hand_over`), written before a provider outside our transaction is called: it is
not a status of its own, but it tells a later sweep to ask the provider before sending again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from reminders.models import Reminder, ReminderStatus

S = ReminderStatus

FINAL_STATUSES = frozenset({S.DELIVERED, S.UNDELIVERED, S.FAILED, S.SKIPPED})

# to-status → the statuses it may be entered from.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    S.SENDING: frozenset({S.PLANNED}),
    S.PLANNED: frozenset({S.SENDING}),
    S.SENT: frozenset({S.SENDING}),
    S.SKIPPED: frozenset({S.PLANNED, S.SENDING}),
    S.DELIVERED: frozenset({S.SENT}),
    S.UNDELIVERED: frozenset({S.SENT}),
    S.FAILED: frozenset({S.SENDING, S.SENT}),
}


class IllegalTransition(ValueError):
    pass


def can_move(source: str, target: str) -> bool:
    return source in ALLOWED_FROM.get(target, frozenset())


def reminder_transition(
    *,
    reminder_id: int,
    to: str,
    now: datetime | None = None,
    held_by: str | None = None,
    **changes: Any,
) -> bool:
    """Move one reminder to `to` if its current status allows it; True if it moved.

    `held_by` (a claim token), when given, also requires the reminder to still be held by
    that sweep, so a sweep whose claim was taken back can never record a send.
    """
    if to not in ALLOWED_FROM:
        raise IllegalTransition(f"no transition into {to!r}")
    rows = Reminder.objects.filter(pk=reminder_id, status__in=ALLOWED_FROM[to])
    if held_by is not None:
        rows = rows.filter(claim_token=held_by)
    return rows.update(status=to, status_changed_at=now or timezone.now(), **changes) == 1


def reminder_hand_over(*, reminder_id: int, held_by: str, now: datetime, **changes: Any) -> bool:
    """Mark a claimed reminder as handed to the provider, committed before the provider is called,
    so a worker that dies in the call leaves only this one in doubt; False if the claim was lost."""
    rows = Reminder.objects.filter(pk=reminder_id, status=S.SENDING, claim_token=held_by)
    return rows.update(handed_at=now, **changes) == 1


def reminders_skip_planned(*, appointment_ids: Collection[int], reason: str, now: datetime) -> int:
    """Skip every still-planned reminder of these appointments (one guarded UPDATE); returns how many."""
    rows = Reminder.objects.filter(appointment_id__in=appointment_ids, status=S.PLANNED)
    return rows.update(status=S.SKIPPED, skip_reason=reason, status_changed_at=now)


# Provider delivery statuses (Twilio's and GOV.UK Notify's names) → Attend's; anything earlier
# than "sent" at the provider is still "sent" for Attend (the provider has accepted it). The
# two agree on "sending", "sent" and "delivered"; Notify's "sent" is a text to an international
# number whose network gives no receipt. A failure to reach the phone (Twilio's undelivered,
# Notify's permanent and temporary failures) is undelivered; a message the provider never got
# out (Twilio's failed, Notify's technical failure) is failed.
PROVIDER_STATUSES: dict[str, str] = {
    "accepted": S.SENT,
    "scheduled": S.SENT,
    "queued": S.SENT,
    "created": S.SENT,
    "sending": S.SENT,
    "pending": S.SENT,
    "sent": S.SENT,
    "delivered": S.DELIVERED,
    "read": S.DELIVERED,
    "undelivered": S.UNDELIVERED,
    "permanent-failure": S.UNDELIVERED,
    "temporary-failure": S.UNDELIVERED,
    "failed": S.FAILED,
    "canceled": S.FAILED,
    "technical-failure": S.FAILED,
}


def reminders_bulk_move(reminders: list[Reminder], *, to: str, now: datetime, fields: tuple[str, ...] = ()) -> None:
    """Move many reminders at once, with the same guard, for a caller that holds their row
    locks (SELECT … FOR UPDATE in its transaction), so their statuses cannot change under it.
    `fields` are the other attributes the caller has set on the objects."""
    for reminder in reminders:
        if not can_move(reminder.status, to):
            raise IllegalTransition(f"reminder {reminder.pk} cannot move from {reminder.status} to {to}")
        reminder.status, reminder.status_changed_at = to, now
    columns = ["status", "status_changed_at", *fields]
    if reminders and connection.vendor == "postgresql":
        bulk_write_postgres(reminders, columns)
    else:
        bulk_write_portable(reminders, columns)


# The two twins below write the same columns of the same rows; tests/reminders/test_transitions_engines.py
# runs both on the same reminders and compares.


def bulk_write_portable(reminders: list[Reminder], names: list[str]) -> None:
    """Write the attributes `names` of each reminder as the objects hold them (Django's bulk_update)."""
    Reminder.objects.bulk_update(reminders, names, batch_size=500)


def bulk_write_postgres(reminders: list[Reminder], names: list[str]) -> None:
    """The same write as `bulk_write_portable`, as UPDATE … FROM (VALUES …): one statement for the
    batch, without the CASE expressions Django's bulk_update builds (which cost more than the
    database work at this size)."""
    fields = [Reminder._meta.get_field("id"), *(Reminder._meta.get_field(name) for name in names)]
    table = Reminder._meta.db_table
    quote = connection.ops.quote_name
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    assignments = ", ".join(f"{quote(f.column)} = v.{quote(f.column)}::{f.db_type(connection)}" for f in fields[1:])
    sql = (
        f"UPDATE {quote(table)} AS r SET {assignments} "  # noqa: S608  (identifiers from the model, values bound)
        f"FROM (VALUES {', '.join([row] * len(reminders))}) AS v({', '.join(quote(f.column) for f in fields)}) "
        f"WHERE r.{quote('id')} = v.{quote('id')}::bigint"
    )
    params = [
        field.get_db_prep_save(getattr(reminder, field.attname), connection)
        for reminder in reminders
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
