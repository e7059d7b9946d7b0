"""Outreach's background jobs. Each is idempotent: running it twice changes nothing more."""

from __future__ import annotations

from datetime import date

from celery import shared_task


@shared_task(name="calls.build_worklists")
def build_worklists_task(day: str | None = None) -> dict[str, int | str]:
    """The morning build of the day's call lists (beat runs it before handlers start)."""
    from calls.building import build_worklists

    return build_worklists(day=date.fromisoformat(day) if day else None)
