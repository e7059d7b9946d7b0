"""Calls follow their appointments: a call is needed while any appointment it covers is upcoming.

Registered with the importer's announcement (appointments.changes) in CallsConfig.ready():
when an import cancels an appointment, or its outcome arrives, the open calls that covered
only appointments that are no longer upcoming close as no longer needed.
"""

from __future__ import annotations

from appointments.changes import AppointmentChanges
from calls.models import CallTask
from calls.services import PATIENT_DECEASED, calls_close_if_unneeded


def calls_follow_changed_appointments(changes: AppointmentChanges) -> dict[str, int]:
    """Close the open calls whose every appointment was cancelled or has happened, and every
    open call of a patient who has died."""
    closed = 0
    gone = {*changes.cancelled_ids, *changes.happened_ids}
    if gone:
        closed += calls_close_if_unneeded(CallTask.objects.filter(appointments__id__in=gone))
    if changes.deceased_patient_ids:
        of_the_deceased = CallTask.objects.filter(patient_id__in=changes.deceased_patient_ids)
        closed += calls_close_if_unneeded(of_the_deceased, close_reason=PATIENT_DECEASED)
    return {"calls_cancelled": closed}
