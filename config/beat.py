"""The whole Celery beat schedule, in one place (times are Europe/London).

Each nightly job is a crontab entry with `expires`, so a beat tick that could not be
delivered in time is dropped instead of running late into the working day. Jobs are
added here as the apps that own them provide tasks.
"""

from __future__ import annotations

from typing import Any


def beat_schedule() -> dict[str, dict[str, Any]]:
    from celery.schedules import crontab
    from django.conf import settings

    build_hour, build_minute = (int(part) for part in settings.ATTEND_WORKLIST_BUILD_AT.split(":"))
    return {
        # Issue 5: the day's call lists, built before the call handlers start.
        "build-worklists": {
            "task": "outreach.build_worklists",
            "schedule": crontab(hour=build_hour, minute=build_minute),
            "options": {"expires": 2 * 60 * 60},
        },
    }
