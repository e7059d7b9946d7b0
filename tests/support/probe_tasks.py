"""A task that reports, through Redis, each time it runs and what it saw in the database.

Used only by the infrastructure test that proves a task enqueued on commit reaches a
real worker after the commit and runs exactly once.
"""

import os

import redis
from celery import shared_task

from patients.models import Patient


@shared_task
def report_patient_visible(patient_id: int, report_key: str) -> None:
    seen = "visible" if Patient.objects.filter(id=patient_id).exists() else "missing"
    redis.Redis.from_url(os.environ["REDIS_URL"]).rpush(report_key, seen)
