import json

import pytest
from django.core.management import call_command

from calls.models import CallTask
from calls.tasks import build_worklists_task
from config.beat import beat_schedule
from tests.support.call_factories import scored_appointment
from tests.support.factories import TeamFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def handler():
    from accounts.roles import CALL_HANDLER

    return make_user(CALL_HANDLER, team=TeamFactory())


def test_build_worklists_prints_a_json_summary_on_its_last_line(capsys):
    scored_appointment(0.9)
    call_command("build_worklists", "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["calls_created"] == 1
    assert CallTask.objects.count() == 1


def test_the_morning_task_builds_the_list_and_is_safe_to_run_twice():
    scored_appointment(0.9)
    build_worklists_task.delay()
    build_worklists_task.delay()
    assert CallTask.objects.count() == 1


def test_the_morning_build_is_on_the_beat_schedule_with_an_expiry():
    entry = beat_schedule()["build-worklists"]
    assert entry["task"] == "calls.build_worklists"
    assert entry["options"]["expires"] > 0
