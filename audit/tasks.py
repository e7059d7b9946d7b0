"""Nightly information-governance jobs."""

from __future__ import annotations

from celery import shared_task

from audit.retention import purge_expired


@shared_task
def purge_expired_data() -> dict[str, int]:
    """Blank call notes and message bodies past retention. Idempotent: a second run finds nothing."""
    return purge_expired()
