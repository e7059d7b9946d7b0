"""The whole Celery beat schedule, in one place (times are Europe/London).

Each nightly job is a crontab entry with `expires`, so a beat tick that could not be
delivered in time is dropped instead of running late into the working day. The order
of the night: the extract is imported (on upload), appointments are scored, then the
day's call lists are built before the call handlers start.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab
from django.conf import settings


def _hour_minute(value: str) -> tuple[int, int]:
    hour, minute = (int(part) for part in value.split(":"))
    return hour, minute


def beat_schedule() -> dict[str, dict[str, Any]]:
    build_hour, build_minute = _hour_minute(settings.ATTEND_WORKLIST_BUILD_AT)
    export_hour, export_minute = _hour_minute(settings.ATTEND_AGGREGATES_EXPORT_AT)
    schedule = {
        # Re-score upcoming appointments after the nightly import, before lists are built.
        "score-upcoming-appointments": {
            "task": "risk.score_upcoming_appointments",
            "schedule": crontab(hour=3, minute=30),
            "options": {"expires": 2 * 60 * 60},
        },
        # SMS reminders are planned after scoring (the extra reminder depends on the risk band);
        # the sweep sends what is due, inside the sending window.
        "plan-sms-reminders": {
            "task": "reminders.plan_reminders",
            "schedule": crontab(hour=4, minute=30),
            "options": {"expires": 60 * 60},
        },
        "sweep-sms-reminders": {
            "task": "reminders.sweep_reminders",
            "schedule": crontab(),  # every minute
            "options": {"expires": 55},
        },
        # Letters for patients who cannot be texted: planned after the reminders (the same upcoming
        # appointments), sent or put in the post room's print batch before the working day; Notify's
        # letter statuses read in the afternoon.
        "plan-letters": {
            "task": "letters.plan_letters",
            "schedule": crontab(hour=4, minute=45),
            "options": {"expires": 60 * 60},
        },
        "send-letters": {
            "task": "letters.send_letters",
            "schedule": crontab(hour="7-17", minute=5),  # hourly, so a transient Notify error is tried again
            "options": {"expires": 55 * 60},
        },
        "poll-letter-status": {
            "task": "letters.poll_letter_status",
            "schedule": crontab(hour=16, minute=30),
            "options": {"expires": 60 * 60},
        },
        # The day's call lists, built before the call handlers start.
        "build-worklists": {
            "task": "calls.build_worklists",
            "schedule": crontab(hour=build_hour, minute=build_minute),
            "options": {"expires": 2 * 60 * 60},
        },
        # Children's DNAs in the safeguarding specialties onto the safeguarding list, after the
        # nightly import has landed the outcomes (the import's own announcement lists most at once).
        "list-safeguarding-dnas": {
            "task": "safeguarding.list_safeguarding_dnas",
            "schedule": crontab(hour=6, minute=30),
            "options": {"expires": 60 * 60},
        },
        # The reports' rollup, after the nightly import has landed the day's outcomes.
        "rebuild-report-rollup": {
            "task": "reports.rebuild_rollup",
            "schedule": crontab(hour=6, minute=45),
            "options": {"expires": 60 * 60},
        },
        # The risk model watched live: last month's realised performance (and the month before
        # again, as late outcomes arrive), on the 3rd, once the month's outcomes have mostly landed.
        "compute-live-checks": {
            "task": "monitoring.compute_live_checks",
            "schedule": crontab(day_of_month=3, hour=7, minute=15),
            "options": {"expires": 6 * 60 * 60},
        },
        # The aggregate export for the collaborative hub, after the night's jobs, sent over MESH when set
        # up; then every hour, failed sends are tried again and acknowledgements recorded.
        "export-aggregates": {
            "task": "aggregates.export_aggregates",
            "schedule": crontab(hour=export_hour, minute=export_minute),
            "options": {"expires": 2 * 60 * 60},
        },
        "sweep-mesh-sends": {
            "task": "aggregates.sweep_mesh_sends",
            "schedule": crontab(minute=20),
            "options": {"expires": 55 * 60},
        },
        # Blank call notes and message bodies past the retention period (audit/retention.py).
        "purge-expired-data": {
            "task": "audit.tasks.purge_expired_data",
            "schedule": crontab(hour=1, minute=15),
            "options": {"expires": 2 * 60 * 60},
        },
    }
    if settings.ATTEND_HUB_ENABLED:
        # A collaborative hub: member trusts' aggregate files from its MESH inbox, every half hour.
        schedule["poll-mesh-inbox"] = {
            "task": "hub.poll_mesh_inbox",
            "schedule": crontab(minute="*/30"),
            "options": {"expires": 25 * 60},
        }
    return schedule
