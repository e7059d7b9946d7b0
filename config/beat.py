"""The whole Celery beat schedule, in one place (times are Europe/London).

Each nightly job is a crontab entry with `expires`, so a beat tick that could not be
delivered in time is dropped instead of running late into the working day. Jobs are
added here as the apps that own them provide tasks.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab


def beat_schedule() -> dict[str, dict[str, Any]]:
    return {
        # Issue 8: blank call notes and message bodies past retention (audit/retention.py).
        "purge-expired-data": {
            "task": "audit.tasks.purge_expired_data",
            "schedule": crontab(hour=1, minute=15),
            "options": {"expires": 2 * 60 * 60},
        },
    }
