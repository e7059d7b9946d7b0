"""Celery tasks for SMS reminders: thin wrappers the beat schedule (config/beat.py) runs.

Both are safe to run twice or at once on several workers: planning is one row per
(appointment, rule) and the sweep claims rows with SKIP LOCKED.
"""

from __future__ import annotations

from celery import shared_task

from reminders.planning import reminders_plan
from reminders.sending import reminders_sweep


@shared_task(name="reminders.plan_reminders")
def plan_reminders() -> dict[str, int]:
    return reminders_plan()


@shared_task(name="reminders.sweep_reminders")
def sweep_reminders() -> dict:
    return reminders_sweep().as_dict()
