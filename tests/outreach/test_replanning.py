from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import AttendanceCode
from outreach.models import CallTask, Reminder, ReminderStatus
from outreach.models.calls import CallTaskStatus
from outreach.services.replanning import appointments_changed
from tests.support.factories import AppointmentFactory, PatientFactory, TeamFactory

pytestmark = pytest.mark.django_db


def _call_for(*appointments):
    task = CallTask.objects.create(
        team=TeamFactory(), patient=appointments[0].patient, appointment=appointments[0],
        list_date=timezone.localdate(), priority=0.5,
    )  # fmt: skip
    task.appointments.set(appointments)
    return task


def _reminder(appointment, rule="2d"):
    return Reminder.objects.create(appointment=appointment, rule=rule, due_at=timezone.now() + timedelta(days=1))


def test_cancelling_an_appointment_skips_its_planned_reminders_with_the_reason():
    appointment = AppointmentFactory(attendance_code=AttendanceCode.PATIENT_CANCELLED)
    reminder = _reminder(appointment)
    appointments_changed(cancelled_ids=[appointment.id])
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SKIPPED
    assert reminder.skip_reason == "appointment cancelled"


def test_a_sent_reminder_is_never_rewritten_by_a_cancellation():
    appointment = AppointmentFactory(attendance_code=AttendanceCode.PATIENT_CANCELLED)
    reminder = _reminder(appointment)
    Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.SENT)
    appointments_changed(cancelled_ids=[appointment.id])
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT


def test_moving_an_appointment_drops_planned_reminders_so_they_are_planned_again():
    appointment = AppointmentFactory()
    _reminder(appointment)
    assert appointments_changed(moved_ids=[appointment.id])["reminders_replanned"] == 1
    assert not Reminder.objects.filter(appointment=appointment).exists()


def test_a_call_is_cancelled_once_none_of_its_appointments_is_still_upcoming():
    patient = PatientFactory()
    cancelled = AppointmentFactory(patient=patient, attendance_code=AttendanceCode.HOSPITAL_CANCELLED)
    task = _call_for(cancelled)
    appointments_changed(cancelled_ids=[cancelled.id])
    task.refresh_from_db()
    assert task.status == CallTaskStatus.CANCELLED


def test_a_call_covering_another_upcoming_appointment_stays_on_the_list():
    patient = PatientFactory()
    cancelled = AppointmentFactory(patient=patient, attendance_code=AttendanceCode.PATIENT_CANCELLED)
    other = AppointmentFactory(patient=patient)
    task = _call_for(cancelled, other)
    appointments_changed(cancelled_ids=[cancelled.id])
    task.refresh_from_db()
    assert task.status == CallTaskStatus.QUEUED
