import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from appointments.models import Appointment
from reminders.models import Reminder
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db


def run_nightly(*args: str) -> dict:
    out = StringIO()
    call_command("run_nightly", *args, "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_the_night_imports_the_extract_first_then_plans_the_reminders_for_it(tmp_path):
    start = timezone.localtime() + timedelta(days=5)
    extract = write_extract(tmp_path, [row(appointment_start=start.strftime("%Y-%m-%dT%H:%M"))])

    summary = run_nightly("--extract", str(extract))

    assert summary["import"]["rows_created"] == 1
    appointment = Appointment.objects.get(pas_id="A0001")
    assert Reminder.objects.filter(appointment=appointment).exists()
    assert list(summary) == [
        "import",
        "score",
        "build_worklists",
        "safeguarding",
        "refresh_reports",
        "reminders",
        "letters",
    ]


def test_a_step_that_cannot_run_is_reported_and_the_others_still_run():
    summary = run_nightly()  # no risk model has been trained or activated

    assert "skipped" in summary["score"]
    assert "calls_created" in summary["build_worklists"]
    assert "planned" in summary["reminders"]


def test_a_night_replayed_as_of_an_earlier_date_passes_the_date_to_every_step_and_sends_nothing(tmp_path):
    extract = write_extract(tmp_path, [row(appointment_start="2019-04-18T09:30", booked_at="2019-03-01T10:00")])

    summary = run_nightly("--extract", str(extract), "--as-of", "2019-04-13")

    assert summary["build_worklists"]["date"] == "2019-04-13"
    assert summary["reminders"]["sending_skipped"] == "--as-of 2019-04-13 is not today"
    assert summary["reminders"]["planned"] >= 1  # planned as of 2019-04-13, when the appointment was ahead
    assert Reminder.objects.filter(appointment__pas_id="A0001").exists()
    assert not Reminder.objects.filter(sent_at__isnull=False).exists()


def test_date_is_the_older_name_of_as_of():
    assert run_nightly("--date", "2019-04-13")["build_worklists"]["date"] == "2019-04-13"
