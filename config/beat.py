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
        # Issue 4: re-score upcoming appointments after the nightly import, before lists are built.
        "score-upcoming-appointments": {
            "task": "appointments.score_upcoming_appointments",
            "schedule": crontab(hour=3, minute=30),
            "options": {"expires": 2 * 60 * 60},
        },
    }
