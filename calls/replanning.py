"""Calls follow their appointments: a call is needed while any appointment it covers is upcoming.

Registered with the importer's announcement (appointments.changes) in CallsConfig.ready():
when an import cancels an appointment, or its outcome arrives, the open calls that covered
only appointments that are no longer upcoming close as no longer needed.
"""

from __future__ import annotations

from django.utils import timezone

from appointments.changes import AppointmentChanges
from calls.models import CallTask, CallTaskStatus
from calls.services import APPOINTMENT_GONE
from calls.transitions import calls_transition


def calls_follow_changed_appointments(changes: AppointmentChanges) -> dict[str, int]:
    """Close the open calls whose every appointment was cancelled or has happened."""
    now = timezone.now()
    gone = {*changes.cancelled_ids, *changes.happened_ids}
    if not gone:
        return {"calls_cancelled": 0}
    unneeded = CallTask.objects.no_longer_needed(now).filter(appointments__id__in=gone).values("pk")
    closed = calls_transition(
        CallTask.objects.filter(pk__in=unneeded), to=CallTaskStatus.CANCELLED, now=now, close_reason=APPOINTMENT_GONE
    )
    return {"calls_cancelled": closed}
