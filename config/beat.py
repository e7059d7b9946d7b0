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
        # Issue 7: the reports' rollup, after the nightly import has landed the day's outcomes.
        "rebuild-report-rollup": {
            "task": "outreach.reports.rebuild_rollup",
            "schedule": crontab(hour=6, minute=45),
            "options": {"expires": 60 * 60},
        },
    }
