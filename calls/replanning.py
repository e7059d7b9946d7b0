"""Calls follow their appointments: a call is needed while any appointment it covers is upcoming.

Registered with the importer's announcement (appointments.changes) in CallsConfig.ready():
when an import cancels an appointment, or its outcome arrives, the open calls that covered
only appointments that are no longer upcoming close as no longer needed.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.utils import timezone

from appointments.changes import AppointmentChanges
from appointments.models import Appointment
from calls.models import OPEN_CALL_STATUSES, CallTask, CallTaskStatus


def calls_follow_changed_appointments(changes: AppointmentChanges) -> dict[str, int]:
    """Close the open calls whose every appointment was cancelled or has happened."""
    now = timezone.now()
    gone = {*changes.cancelled_ids, *changes.happened_ids}
    if not gone:
        return {"calls_cancelled": 0}
    still_upcoming = Appointment.objects.upcoming(now).filter(covering_call_tasks=OuterRef("pk"))
    no_longer_needed = (
        CallTask.objects.filter(status__in=OPEN_CALL_STATUSES, appointments__id__in=gone)
        .filter(~Exists(still_upcoming))
        .values("pk")
    )
    calls_cancelled = CallTask.objects.filter(pk__in=no_longer_needed).update(
        status=CallTaskStatus.CANCELLED, closed_at=now, close_reason="appointment cancelled or happened"
    )
    return {"calls_cancelled": calls_cancelled}
