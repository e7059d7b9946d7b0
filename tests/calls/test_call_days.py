"""Call lists on working days only, looking ahead in working days (calls/call_days.py)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from appointments.models import ClosureDay
from calls.building import build_worklists
from calls.call_days import call_weekdays, list_window
from calls.models import CallTask, TeamCapacity
from config.localtime import local_midnight
from tests.reminders.conftest import london
from tests.support.call_factories import OutreachRiskScoreFactory
from tests.support.factories import AppointmentFactory, TeamFactory

pytestmark = pytest.mark.django_db

CHRISTMAS_EVE = date(2026, 12, 24)  # a Thursday


@pytest.fixture(autouse=True)
def _england_weekdays(settings):
    settings.ATTEND_BANK_HOLIDAY_REGION = "england-and-wales"
    settings.ATTEND_CALL_DAYS = ["mon", "tue", "wed", "thu", "fri"]
    settings.ATTEND_CALL_DAYS_AHEAD_MIN, settings.ATTEND_CALL_DAYS_AHEAD_MAX = 1, 2


def high_risk_appointment(starts_at):
    appointment = AppointmentFactory(starts_at=starts_at)
    OutreachRiskScoreFactory(appointment=appointment, probability=0.9)
    return appointment


def build_on(day):
    team = TeamFactory(calls_per_handler=10)
    TeamCapacity.objects.create(team=team, day=day, handlers_on_shift=1)
    return build_worklists(day=day, now=local_midnight(day))


def test_no_list_is_built_on_a_bank_holiday_and_the_summary_says_why():
    high_risk_appointment(london(2026, 12, 30, 10, 0))
    summary = build_on(date(2026, 12, 28))
    assert summary == {"calls_created": 0, "closed": "bank holiday (Boxing Day (observed))"}
    assert not CallTask.objects.exists()


def test_no_list_is_built_on_a_trust_closure_day_or_a_day_the_team_does_not_work():
    ClosureDay.objects.create(day=date(2026, 6, 17), reason="staff training day")
    high_risk_appointment(london(2026, 6, 19, 10, 0))
    assert build_on(date(2026, 6, 17))["closed"] == "trust closed (staff training day)"
    assert build_on(date(2026, 6, 13))["closed"] == "the call team does not work on Saturdays (ATTEND_CALL_DAYS)"
    assert not CallTask.objects.exists()


def test_the_command_says_when_no_list_is_built(capsys):
    call_command("build_worklists", "--as-of", "2026-12-25")
    assert "No call lists for 25 December 2026: bank holiday (Christmas Day)." in capsys.readouterr().out


def test_the_window_counts_working_days_across_christmas():
    # Christmas Eve's list: its 1st working day ahead is Tuesday 29th (Fri 25 and Mon 28 are bank
    # holidays), and it runs to the day before its 3rd (Thursday 31st).
    assert list_window(CHRISTMAS_EVE) == (date(2026, 12, 29), date(2026, 12, 30))


def test_consecutive_lists_cover_every_day_including_weekends_and_bank_holidays(settings):
    # A window one working day wide: each day's list meets the next one's edge to edge.
    settings.ATTEND_CALL_DAYS_AHEAD_MIN = settings.ATTEND_CALL_DAYS_AHEAD_MAX = 1
    covered, day = [], date(2026, 12, 1)
    while day < date(2027, 1, 15):
        if day.weekday() < 5 and day not in (date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)):
            first, last = list_window(day)
            covered += [first + timedelta(days=n) for n in range((last - first).days + 1)]
        day += timedelta(days=1)
    assert len(covered) == len(set(covered))  # no day is on two lists
    assert set(covered) >= {date(2026, 12, 3) + timedelta(days=n) for n in range(40)}  # none is missed


def test_the_list_before_christmas_calls_about_the_appointments_after_it():
    after = high_risk_appointment(london(2026, 12, 29, 10, 0))
    high_risk_appointment(london(2026, 12, 31, 10, 0))  # for a later list
    summary = build_on(CHRISTMAS_EVE)
    assert summary["calls_created"] == 1
    assert CallTask.objects.get().appointment == after


def test_a_malformed_call_days_setting_names_itself(settings):
    settings.ATTEND_CALL_DAYS = ["mon", "funday"]
    with pytest.raises(ImproperlyConfigured, match="ATTEND_CALL_DAYS"):
        call_weekdays()


def test_while_the_bank_holidays_cannot_be_read_no_list_is_built(settings, tmp_path):
    settings.ATTEND_BANK_HOLIDAY_FILE = str(tmp_path / "missing.json")
    high_risk_appointment(london(2026, 6, 18, 10, 0))
    with pytest.raises(CommandError, match="No call lists built: ATTEND_BANK_HOLIDAY_FILE"):
        call_command("build_worklists", "--as-of", "2026-06-17")
    assert not CallTask.objects.exists()
