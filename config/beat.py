"""The whole Celery beat schedule, in one place (times are Europe/London).

Each nightly job is a crontab entry with `expires`, so a beat tick that could not be
delivered in time is dropped instead of running late into the working day. Jobs are
added here as the apps that own them provide tasks.
"""

from __future__ import annotations

from typing import Any


def beat_schedule() -> dict[str, dict[str, Any]]:
    from celery.schedules import crontab

    return {
        # Issue 6: SMS reminders. Planned nightly; the sweep sends what is due, in the window.
        "plan-sms-reminders": {
            "task": "outreach.sms.plan_reminders",
            "schedule": crontab(hour=3, minute=30),
            "options": {"expires": 60 * 60},
        },
        "sweep-sms-reminders": {
            "task": "outreach.sms.sweep_reminders",
            "schedule": crontab(),  # every minute
            "options": {"expires": 55},
        },
    }
