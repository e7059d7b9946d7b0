"""Requests that come from patients: "please call me" and "I need to cancel or rebook".

SMS replies (and call handlers) use these; they are the only way such requests are made,
so the call list and the booking team's list see every one.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Team
from appointments.models import Appointment
from audit.models import AuditAction
from audit.services import audit_record
from calls.do_not_call import do_not_call_lift
from calls.models import BookingRequest, BookingRequestKind, CallTask, CallTaskReason
from calls.routing import team_for
from patients.models import Patient
from reminders.replies import RequestNotActioned

# A patient who asks for a call goes to the top of the list, above any risk score.
PATIENT_ASKED_PRIORITY = 2.0


class NoUpcomingAppointment(Exception):
    """The patient has nothing upcoming to call about."""


def _team_for(appointment: Appointment) -> Team:
    """The team that covers the appointment (calls.routing), or the trust's default team."""
    team = team_for(appointment)
    if team is None:
        raise Team.DoesNotExist(
            "No call-handling team covers this appointment and there is no default team: an admin must set one."
        )
    return team


@transaction.atomic
def call_request_from_patient(*, patient: Patient) -> CallTask:
    """Put the patient on today's call list at the top, covering all their upcoming appointments.

    If they are already on a list, that call is moved to the top instead of adding another.
    The call goes to the team that covers the first upcoming appointment. A patient who had
    asked not to be called and now asks for a call may be called again (their latest wish).
    """
    upcoming = list(
        Appointment.objects.upcoming().for_patient(patient).select_related("site", "specialty", "patient")
        .order_by("starts_at")
    )  # fmt: skip
    if not upcoming:
        raise NoUpcomingAppointment(f"Patient {patient.pk} has no upcoming appointment.")
    do_not_call_lift(patient=patient, by=None, why="the patient asked for a call")
    existing = CallTask.objects.open().for_patient(patient).select_for_update().first()
    if existing is not None:
        existing.reason = CallTaskReason.PATIENT_ASKED
        existing.priority = PATIENT_ASKED_PRIORITY
        existing.list_date = min(existing.list_date, timezone.localdate())
        existing.save(update_fields=["reason", "priority", "list_date"])
        existing.appointments.add(*upcoming)
        return existing
    try:
        with transaction.atomic():
            task = CallTask.objects.create(
                team=_team_for(upcoming[0]),
                patient=patient,
                appointment=upcoming[0],
                list_date=timezone.localdate(),
                reason=CallTaskReason.PATIENT_ASKED,
                priority=PATIENT_ASKED_PRIORITY,
            )
    except IntegrityError:  # another request for the same patient won the race
        return call_request_from_patient(patient=patient)
    task.appointments.set(upcoming)
    return task


def booking_request_create(
    *, patient: Patient, kind: BookingRequestKind, source: str, appointment: Appointment | None = None
) -> BookingRequest:
    """Add a rebook or cancel request to the booking team's list (they action it in the PAS)."""
    if appointment is None:
        appointment = Appointment.objects.upcoming().for_patient(patient).order_by("starts_at").first()
    return BookingRequest.objects.create(patient=patient, appointment=appointment, kind=kind, source=source)


@transaction.atomic
def booking_request_done(*, request_id: int, by: Any, request: Any = None) -> tuple[BookingRequest, bool]:
    """Mark a request actioned in the PAS, so it leaves the open list (audited). Returns the
    request and whether this call marked it (False if it was done already); raises
    BookingRequest.DoesNotExist for no such request."""
    booking = BookingRequest.objects.select_for_update().select_related("patient").get(pk=request_id)
    if booking.handled_at is not None:
        return booking, False
    booking.handled_at, booking.handled_by = timezone.now(), by
    booking.save(update_fields=["handled_at", "handled_by"])
    audit_record(action=AuditAction.CHANGE, target=booking, request=request, summary="Booking request done")
    return booking, True


def reply_call_me(*, patient: Patient, appointment: Appointment | None) -> str:
    """A patient's SMS reply "2" (registered with reminders.replies): on today's list, at the top."""
    try:
        task = call_request_from_patient(patient=patient)
    except (NoUpcomingAppointment, Team.DoesNotExist) as exc:
        raise RequestNotActioned(f"asked for a call, but: {exc}") from exc
    return f"added to the call list for {task.list_date:%d %b %Y}"


def reply_cancel_or_rebook(*, patient: Patient, appointment: Appointment | None) -> str:
    """A patient's SMS reply "3" (registered with reminders.replies): on the booking team's list."""
    booking_request_create(patient=patient, kind=BookingRequestKind.REBOOK, source="sms", appointment=appointment)
    return "added to the booking team's list to cancel or rebook"
