"""What Attend had planned for an appointment follows the appointment.

The extract importer calls `appointments_changed` after each import with the ids of
appointments that were cancelled, moved (a new start time) or have happened. Calls
and reminders planned for them are cancelled, skipped or re-timed here, in one
place, so the importer never reaches into outreach's tables.
"""

from __future__ import annotations

from collections.abc import Collection

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from appointments.models import Appointment
from outreach.models import CallTask, Reminder, ReminderStatus
from outreach.models.calls import OPEN_CALL_STATUSES, CallTaskStatus
from outreach.sms.planning import retime_moved


@transaction.atomic
def appointments_changed(
    *,
    cancelled_ids: Collection[int] = (),
    moved_ids: Collection[int] = (),
    happened_ids: Collection[int] = (),
) -> dict[str, int]:
    """Cancel or re-plan outreach for changed appointments; returns counts of what changed."""
    now = timezone.now()
    gone = set(cancelled_ids) | set(happened_ids)
    skipped = 0
    for ids, reason in ((cancelled_ids, "appointment cancelled"), (happened_ids, "appointment has happened")):
        if ids:
            skipped += Reminder.objects.filter(appointment_id__in=ids, status=ReminderStatus.PLANNED).update(
                status=ReminderStatus.SKIPPED, skip_reason=reason, status_changed_at=now
            )
    # A moved appointment keeps its planned reminders, re-timed to the new start (the same
    # re-timing the nightly plan does), or skipped if their day has gone.
    retimed, moved_skipped = retime_moved(now=now, appointment_ids=moved_ids) if moved_ids else (0, 0)

    # A call is needed while any appointment it covers is still upcoming.
    still_upcoming = Appointment.objects.upcoming(now).filter(covering_call_tasks=OuterRef("pk"))
    no_longer_needed = (
        CallTask.objects.filter(status__in=OPEN_CALL_STATUSES, appointments__id__in=gone)
        .filter(~Exists(still_upcoming))
        .values("pk")
    )
    calls_cancelled = CallTask.objects.filter(pk__in=no_longer_needed).update(
        status=CallTaskStatus.CANCELLED, closed_at=now, close_reason="appointment cancelled or happened"
    )
    return {
        "reminders_skipped": skipped + moved_skipped,
        "reminders_retimed": retimed,
        "calls_cancelled": calls_cancelled,
    }
