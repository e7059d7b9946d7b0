from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.changes import AppointmentChanges, announce_appointments_changed
from appointments.models import Appointment, AttendanceCode
from calls.models import CallTask, CallTaskStatus
from reminders.config import due_at_for, reminder_rules
from reminders.models import Reminder, ReminderStatus
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
    announce_appointments_changed(AppointmentChanges(cancelled_ids=[appointment.id]))
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SKIPPED
    assert reminder.skip_reason == "appointment cancelled"


def test_a_sent_reminder_is_never_rewritten_by_a_cancellation():
    appointment = AppointmentFactory(attendance_code=AttendanceCode.PATIENT_CANCELLED)
    reminder = _reminder(appointment)
    Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.SENT)
    announce_appointments_changed(AppointmentChanges(cancelled_ids=[appointment.id]))
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT


def test_moving_an_appointment_re_times_its_planned_reminder_to_the_new_start():
    appointment = AppointmentFactory()
    reminder = _reminder(appointment)
    new_start = (timezone.now() + timedelta(days=10)).replace(microsecond=0)
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=new_start)

    assert announce_appointments_changed(AppointmentChanges(moved_ids=[appointment.id]))["reminders_retimed"] == 1

    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.PLANNED  # the same reminder, kept with its history
    assert reminder.appointment_starts_at == new_start
    assert reminder.due_at == due_at_for(new_start, next(r for r in reminder_rules() if r.name == "2d"))


def test_moving_an_appointment_too_close_for_a_reminders_day_skips_that_reminder():
    appointment = AppointmentFactory()
    reminder = _reminder(appointment)  # two days before: that day has gone for tomorrow's slot
    Appointment.objects.filter(pk=appointment.pk).update(starts_at=timezone.now() + timedelta(hours=20))

    changed = announce_appointments_changed(AppointmentChanges(moved_ids=[appointment.id]))

    reminder.refresh_from_db()
    assert (reminder.status, reminder.skip_reason) == (ReminderStatus.SKIPPED, "appointment moved")
    assert (changed["reminders_retimed"], changed["reminders_skipped"]) == (0, 1)


def test_a_call_is_cancelled_once_none_of_its_appointments_is_still_upcoming():
    patient = PatientFactory()
    cancelled = AppointmentFactory(patient=patient, attendance_code=AttendanceCode.HOSPITAL_CANCELLED)
    task = _call_for(cancelled)
    announce_appointments_changed(AppointmentChanges(cancelled_ids=[cancelled.id]))
    task.refresh_from_db()
    assert task.status == CallTaskStatus.CANCELLED


def test_a_call_covering_another_upcoming_appointment_stays_on_the_list():
    patient = PatientFactory()
    cancelled = AppointmentFactory(patient=patient, attendance_code=AttendanceCode.PATIENT_CANCELLED)
    other = AppointmentFactory(patient=patient)
    task = _call_for(cancelled, other)
    announce_appointments_changed(AppointmentChanges(cancelled_ids=[cancelled.id]))
    task.refresh_from_db()
    assert task.status == CallTaskStatus.QUEUED
