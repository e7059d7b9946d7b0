"""The commands say when reminders wait for the sending window and when they will go."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from reminders.config import next_sending_start
from reminders.models import ReminderStatus
from tests.reminders.conftest import NOW, london, make_reminder

pytestmark = pytest.mark.django_db


def test_inside_the_window_sending_is_now():
    assert next_sending_start(NOW) == NOW


def test_after_the_window_closes_sending_starts_at_the_next_day_s_opening():
    assert next_sending_start(london(2026, 6, 10, 21, 0)) == london(2026, 6, 11, 9, 0)


def test_before_the_window_opens_sending_starts_at_today_s_opening():
    assert next_sending_start(london(2026, 6, 10, 7, 30)) == london(2026, 6, 10, 9, 0)


def test_a_closed_weekend_and_a_bank_holiday_are_passed_over(settings):
    settings.ATTEND_BANK_HOLIDAY_REGION = "england-and-wales"
    settings.ATTEND_SMS_SENDING_WINDOWS = "sat=closed,sun=closed"
    # Friday 28 August 2026 after the window: the weekend is closed, Monday 31 August a bank holiday.
    assert next_sending_start(london(2026, 8, 28, 21, 0)) == london(2026, 9, 1, 9, 0)


def test_send_reminders_outside_the_window_says_how_many_wait_and_when_they_go(monkeypatch):
    evening = london(2026, 6, 10, 21, 0)
    monkeypatch.setattr(timezone, "now", lambda: evening)
    due = make_reminder(due_at=london(2026, 6, 10, 9, 0))
    make_reminder(due_at=london(2026, 6, 12, 9, 0), rule="1d")
    out = StringIO()
    call_command("send_reminders", "--no-plan", stdout=out)
    text = out.getvalue()
    assert "Outside the sending window: nothing sent" in text
    assert "1 due reminder(s) wait for the sending window; they go from 09:00 on Thursday 11 June." in text
    assert "1 more are planned; the first is due at 09:00 on Friday 12 June." in text
    due.refresh_from_db()
    assert due.status == ReminderStatus.PLANNED


def test_the_json_summary_gives_when_the_waiting_reminders_go(monkeypatch):
    import json

    monkeypatch.setattr(timezone, "now", lambda: london(2026, 6, 10, 21, 0))
    make_reminder(due_at=london(2026, 6, 10, 9, 0))
    out = StringIO()
    call_command("send_reminders", "--no-plan", "--json", stdout=out)
    summary = json.loads(out.getvalue().splitlines()[-1])
    assert (summary["waiting_for_window"], summary["planned_later"]) == (1, 0)
    assert summary["sending_from"] == london(2026, 6, 11, 9, 0).isoformat()
    assert summary["next_due_at"] is None


def test_the_demo_night_says_when_the_waiting_reminders_go(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: london(2026, 6, 10, 21, 0))
    make_reminder(due_at=london(2026, 6, 10, 9, 0))
    out = StringIO()
    call_command("run_nightly", stdout=out)
    assert "1 due reminder(s) wait for the sending window; they go from 09:00 on Thursday 11 June." in out.getvalue()
