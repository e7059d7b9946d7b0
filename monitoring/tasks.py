from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from monitoring.services import live_checks_compute


def previous_month(day: date) -> date:
    first = day.replace(day=1)
    return date(first.year - (first.month == 1), (first.month - 2) % 12 + 1, 1)


@shared_task(name="monitoring.compute_live_checks")
def compute_live_checks_task() -> dict[str, int]:
    """Monthly: last month's checks, and the month before again (outcomes arrive late)."""
    last = previous_month(timezone.localdate())
    return {f"{month:%Y-%m}": live_checks_compute(month=month) for month in (previous_month(last), last)}
