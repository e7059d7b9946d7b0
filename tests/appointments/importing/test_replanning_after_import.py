from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from appointments.importing.services import import_extract
from appointments.models import Appointment
from calls.models import CallTask, CallTaskStatus
from reminders.config import due_at_for, reminder_rules
from reminders.models import Reminder, ReminderStatus
from tests.appointments.importing.extracts import row, write_extract
from tests.support.factories import TeamFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def planned(tmp_path):
    """An imported upcoming appointment with a planned reminder and a queued call."""
    import_extract(path=write_extract(tmp_path, [row()]))
    appointment = Appointment.objects.get()
    reminder = Reminder.objects.create(appointment=appointment, rule="2d", due_at=timezone.now() + timedelta(days=1))
    call = CallTask.objects.create(
        team=TeamFactory(), patient=appointment.patient, appointment=appointment,
        list_date=timezone.localdate(), priority=0.5,
    )  # fmt: skip
    call.appointments.set([appointment])
    return reminder, call


def _reimport(tmp_path, **changes):
    return import_extract(path=write_extract(tmp_path, [row(**changes)], name="later.csv"))


@pytest.mark.parametrize("code", ["2", "4"])
def test_a_cancellation_in_a_later_extract_skips_planned_reminders_and_cancels_the_call(tmp_path, planned, code):
    reminder, call = planned
    batch = _reimport(tmp_path, attendance_code=code)
    reminder.refresh_from_db()
    call.refresh_from_db()
    assert (reminder.status, reminder.skip_reason) == (ReminderStatus.SKIPPED, "appointment cancelled")
    assert call.status == CallTaskStatus.CANCELLED
    assert batch.replanning == {
        "reminders_skipped": 1,
        "reminders_retimed": 0,
        "calls_cancelled": 1,
        "letters_skipped": 0,
    }


def test_an_appointment_that_has_happened_has_its_outreach_closed(tmp_path, planned):
    reminder, call = planned
    _reimport(tmp_path, attendance_code="5")
    reminder.refresh_from_db()
    call.refresh_from_db()
    assert reminder.status == ReminderStatus.SKIPPED
    assert call.status == CallTaskStatus.CANCELLED


def test_a_moved_appointment_keeps_its_planned_reminder_re_timed_to_the_new_start(tmp_path, planned):
    reminder, call = planned
    batch = _reimport(tmp_path, appointment_start="2030-12-09T14:00")
    reminder.refresh_from_db()
    new_start = Appointment.objects.get().starts_at
    assert new_start.astimezone(LONDON).isoformat() == "2030-12-09T14:00:00+00:00"
    assert (reminder.status, reminder.appointment_starts_at) == (ReminderStatus.PLANNED, new_start)
    assert reminder.due_at == due_at_for(new_start, next(r for r in reminder_rules() if r.name == "2d"))
    call.refresh_from_db()
    assert call.status == CallTaskStatus.QUEUED
    assert batch.replanning["reminders_retimed"] == 1


def test_a_sent_reminder_is_left_alone_when_the_appointment_is_cancelled(tmp_path, planned):
    reminder, _ = planned
    Reminder.objects.filter(pk=reminder.pk).update(status=ReminderStatus.SENT)
    _reimport(tmp_path, attendance_code="2")
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT


def test_an_unchanged_reimport_touches_no_outreach(tmp_path, planned):
    reminder, call = planned
    batch = _reimport(tmp_path)
    reminder.refresh_from_db()
    call.refresh_from_db()
    assert (reminder.status, call.status, batch.replanning) == (ReminderStatus.PLANNED, CallTaskStatus.QUEUED, {})


def test_a_contact_detail_change_alone_does_not_replan(tmp_path, planned):
    reminder, _ = planned
    _reimport(tmp_path, phone="07700 900777")
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.PLANNED
