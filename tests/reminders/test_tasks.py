import pytest

from config.beat import beat_schedule
from config.celery import app
from reminders.models import OutboxMessage
from reminders.tasks import plan_reminders, sweep_reminders
from tests.reminders.conftest import make_reminder


def test_beat_plans_nightly_and_sweeps_every_minute_with_expiry():
    schedule = beat_schedule()
    plan, sweep = schedule["plan-sms-reminders"], schedule["sweep-sms-reminders"]
    assert (plan["task"], sweep["task"]) == (plan_reminders.name, sweep_reminders.name)
    assert sweep["options"]["expires"] < 60 and plan["options"]["expires"] > 0
    assert str(sweep["schedule"].minute) == str(set(range(60)))


def test_the_tasks_are_registered_with_the_celery_app():
    app.loader.import_default_modules()
    assert {plan_reminders.name, sweep_reminders.name} <= set(app.tasks)


@pytest.mark.django_db
def test_the_sweep_task_returns_its_summary(settings):
    settings.ATTEND_SMS_SENDING_WINDOW = "00:00-23:59"
    from datetime import UTC, datetime

    make_reminder(due_at=datetime(2026, 1, 1, tzinfo=UTC), starts_at=datetime(2099, 1, 1, tzinfo=UTC))
    summary = sweep_reminders.delay().get()
    assert summary["sent"] == 1 and OutboxMessage.objects.count() == 1
