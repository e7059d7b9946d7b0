"""Reminders are never sent on a bank holiday or a closure day: one due then goes the sending
day before (reminders/config.py due_at_for, reminders/planning.py), and the sweep sends nothing
on such a day, nor at all while the bank holidays cannot be read."""

import logging
from datetime import UTC, date, datetime

import pytest
from django.core.management import CommandError, call_command

from appointments.models import ClosureDay
from appointments.working_days import BankHolidaysUnavailable
from reminders.models import Reminder, ReminderStatus
from reminders.planning import reminders_plan
from reminders.sending import reminders_sweep
from tests.reminders.conftest import london, make_reminder
from tests.support.factories import AppointmentFactory, ClinicFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _england(settings):
    settings.ATTEND_BANK_HOLIDAY_REGION = "england-and-wales"
    settings.ATTEND_SMS_REMINDER_RULES = "2d=2"


def planned_due(appointment) -> datetime | None:
    return Reminder.objects.filter(appointment=appointment).values_list("due_at", flat=True).first()


def test_a_reminder_due_on_the_boxing_day_bank_holiday_goes_the_sending_day_before():
    # Wednesday 30 December 2026: two days before is Monday 28th, Boxing Day's substitute day.
    appointment = AppointmentFactory(starts_at=london(2026, 12, 30, 14, 0))
    reminders_plan(now=london(2026, 12, 20, 4, 30))
    assert planned_due(appointment) == london(2026, 12, 27, 9, 0)  # Sunday: the window is open every day


def test_where_weekends_are_closed_a_boxing_day_reminder_goes_on_christmas_eve(settings):
    settings.ATTEND_SMS_SENDING_WINDOWS = "sat=closed,sun=closed"
    appointment = AppointmentFactory(starts_at=london(2026, 12, 30, 14, 0))
    reminders_plan(now=london(2026, 12, 20, 4, 30))
    # Mon 28 bank holiday, Sun 27 and Sat 26 closed, Fri 25 Christmas Day: Thursday 24th.
    assert planned_due(appointment) == london(2026, 12, 24, 9, 0)


def test_a_closure_day_an_admin_enters_is_skipped():
    ClosureDay.objects.create(day=date(2026, 6, 18), reason="staff training day")
    appointment = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    reminders_plan(now=london(2026, 6, 10, 4, 30))
    assert planned_due(appointment) == london(2026, 6, 17, 9, 0)


def test_a_sites_closure_moves_only_that_sites_reminders():
    closed_clinic = ClinicFactory()
    ClosureDay.objects.create(day=date(2026, 6, 18), site=closed_clinic.site, reason="power works")
    at_closed_site = AppointmentFactory(clinic=closed_clinic, starts_at=london(2026, 6, 20, 14, 0))
    elsewhere = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    reminders_plan(now=london(2026, 6, 10, 4, 30))
    assert planned_due(at_closed_site) == london(2026, 6, 17, 9, 0)
    assert planned_due(elsewhere) == london(2026, 6, 18, 9, 0)


def test_a_closure_entered_after_planning_brings_the_planned_reminder_forward():
    appointment = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    reminders_plan(now=london(2026, 6, 10, 4, 30))
    ClosureDay.objects.create(day=date(2026, 6, 18), reason="staff training day")
    result = reminders_plan(now=london(2026, 6, 11, 4, 30))
    assert result["retimed"] == 1
    assert planned_due(appointment) == london(2026, 6, 17, 9, 0)


def test_a_closure_that_leaves_no_sending_day_before_the_appointment_skips_the_reminder_with_the_reason():
    appointment = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    reminders_plan(now=london(2026, 6, 10, 4, 30))
    ClosureDay.objects.create(day=date(2026, 6, 18), reason="staff training day")
    reminders_plan(now=london(2026, 6, 18, 4, 30))  # the closure was entered on the day itself
    reminder = Reminder.objects.get(appointment=appointment)
    assert reminder.status == ReminderStatus.SKIPPED
    assert reminder.skip_reason == "trust closed (staff training day), and no sending day is left before it"


def test_a_bank_holiday_reminder_brought_forward_keeps_wall_clock_time_across_the_clock_change():
    # Wednesday 31 March 2027: two days before is Easter Monday; the day before that,
    # Sunday 28 March, is the day British Summer Time starts.
    appointment = AppointmentFactory(starts_at=london(2027, 3, 31, 10, 0))
    reminders_plan(now=london(2027, 3, 24, 4, 30))
    assert planned_due(appointment) == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)  # 09:00 BST


def test_nothing_is_sent_on_a_bank_holiday():
    make_reminder(due_at=london(2026, 12, 28, 9, 0), starts_at=london(2026, 12, 30, 14, 0))
    result = reminders_sweep(now=london(2026, 12, 28, 10, 0))
    assert (result.window_open, result.sent) == (False, 0)
    assert Reminder.objects.get().status == ReminderStatus.PLANNED


def test_on_a_sites_closure_day_its_reminders_wait_and_the_others_go():
    closed_clinic = ClinicFactory()
    ClosureDay.objects.create(day=date(2026, 6, 10), site=closed_clinic.site, reason="power works")
    waiting = make_reminder(clinic=closed_clinic)
    sent = make_reminder()
    reminders_sweep(now=london(2026, 6, 10, 10, 0))
    waiting.refresh_from_db()
    sent.refresh_from_db()
    assert (waiting.status, sent.status) == (ReminderStatus.PLANNED, ReminderStatus.SENT)


@pytest.fixture
def unreadable_bank_holidays(settings, tmp_path):
    path = tmp_path / "bank-holidays.json"
    path.write_text("<html>Service unavailable</html>")
    settings.ATTEND_BANK_HOLIDAY_FILE = str(path)


def test_while_the_bank_holidays_cannot_be_read_nothing_is_sent_and_the_error_says_why(
    unreadable_bank_holidays, caplog
):
    make_reminder()
    with caplog.at_level(logging.ERROR):
        result = reminders_sweep(now=london(2026, 6, 10, 10, 0))
    assert (result.sent, result.claimed) == (0, 0)
    assert "ATTEND_BANK_HOLIDAY_FILE" in result.calendar_error
    assert "Sending no reminders" in caplog.text
    assert Reminder.objects.get().status == ReminderStatus.PLANNED


def test_while_the_bank_holidays_cannot_be_read_nothing_is_planned(unreadable_bank_holidays):
    AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    with pytest.raises(BankHolidaysUnavailable):
        reminders_plan(now=london(2026, 6, 10, 4, 30))
    with pytest.raises(CommandError, match="Nothing planned or sent: ATTEND_BANK_HOLIDAY_FILE"):
        call_command("send_reminders")
    assert not Reminder.objects.exists()
