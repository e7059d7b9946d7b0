from datetime import UTC, datetime

import pytest
from django.db import IntegrityError

from reminders.models import Reminder, ReminderStatus
from reminders.planning import reminders_plan
from tests.reminders.conftest import london, make_high_risk
from tests.support.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

NIGHT = london(2026, 6, 10, 3, 30)


def planned(appointment) -> dict[str, datetime]:
    return dict(Reminder.objects.filter(appointment=appointment).values_list("rule", "due_at"))


def test_plans_reminders_seven_and_two_days_before_at_the_window_opening():
    appointment = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    reminders_plan(now=NIGHT)
    assert planned(appointment) == {"7d": london(2026, 6, 13, 9, 0), "2d": london(2026, 6, 18, 9, 0)}


def test_high_risk_appointment_also_gets_a_reminder_the_day_before():
    appointment = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    make_high_risk(appointment)
    reminders_plan(now=NIGHT)
    assert planned(appointment)["1d-high-risk"] == london(2026, 6, 19, 9, 0)


def test_rules_are_configurable(settings):
    settings.ATTEND_SMS_REMINDER_RULES = "3d=3"
    appointment = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    reminders_plan(now=NIGHT)
    assert set(planned(appointment)) == {"3d"}


def test_planning_twice_plans_nothing_new():
    AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    first = reminders_plan(now=NIGHT)
    second = reminders_plan(now=NIGHT)
    assert (first["planned"], second["planned"], Reminder.objects.count()) == (2, 0, 2)


def test_the_database_allows_one_reminder_per_appointment_and_rule():
    appointment = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    Reminder.objects.create(appointment=appointment, rule="2d", due_at=NIGHT)
    with pytest.raises(IntegrityError):
        Reminder.objects.create(appointment=appointment, rule="2d", due_at=NIGHT)


def test_a_rule_whose_day_has_gone_is_not_planned_for_a_short_notice_booking():
    appointment = AppointmentFactory(starts_at=london(2026, 6, 13, 14, 0))
    reminders_plan(now=NIGHT)
    assert set(planned(appointment)) == {"2d"}


def test_a_rule_due_later_today_is_planned():
    appointment = AppointmentFactory(starts_at=london(2026, 6, 12, 14, 0))
    reminders_plan(now=NIGHT)
    assert planned(appointment) == {"2d": london(2026, 6, 10, 9, 0)}


def test_cancelled_and_past_appointments_get_no_reminders():
    AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0), attendance_code=2)
    AppointmentFactory(starts_at=london(2026, 6, 1, 14, 0))
    reminders_plan(now=NIGHT)
    assert Reminder.objects.count() == 0


def test_a_moved_appointments_planned_reminders_follow_it():
    appointment = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    reminders_plan(now=NIGHT)
    appointment.starts_at = london(2026, 6, 25, 11, 0)
    appointment.save()
    result = reminders_plan(now=NIGHT)
    assert result["retimed"] == 2
    assert planned(appointment) == {"7d": london(2026, 6, 18, 9, 0), "2d": london(2026, 6, 23, 9, 0)}


def test_a_reminder_whose_day_has_gone_after_a_move_is_skipped_with_the_reason():
    appointment = AppointmentFactory(starts_at=london(2026, 6, 20, 14, 0))
    reminders_plan(now=NIGHT)
    appointment.starts_at = london(2026, 6, 13, 11, 0)
    appointment.save()
    reminders_plan(now=NIGHT)
    seven = Reminder.objects.get(appointment=appointment, rule="7d")
    assert (seven.status, seven.skip_reason) == (ReminderStatus.SKIPPED, "appointment moved")


def test_due_times_are_wall_clock_times_across_the_spring_clock_change():
    # 2d before 31 March 2026 is Sunday 29 March, the day British Summer Time starts.
    appointment = AppointmentFactory(starts_at=london(2026, 3, 31, 10, 0))
    reminders_plan(now=london(2026, 3, 24, 3, 0))
    assert planned(appointment)["2d"] == datetime(2026, 3, 29, 8, 0, tzinfo=UTC)  # 09:00 BST


def test_due_times_are_wall_clock_times_across_the_autumn_clock_change():
    appointment = AppointmentFactory(starts_at=london(2026, 10, 27, 10, 0))
    reminders_plan(now=london(2026, 10, 20, 3, 0))
    assert planned(appointment)["2d"] == datetime(2026, 10, 25, 9, 0, tzinfo=UTC)  # 09:00 GMT
