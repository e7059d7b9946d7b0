"""Nightly risk scoring (enqueued by beat; see config/beat.py)."""

from __future__ import annotations

import logging

from celery import shared_task

from risk.predictor import ArtifactError
from risk.scoring import ScoringError, score_upcoming

logger = logging.getLogger(__name__)


@shared_task(name="appointments.score_upcoming_appointments")
def score_upcoming_appointments(days: int | None = None) -> dict | None:
    """Nightly: re-score every upcoming appointment. Idempotent (one score row per appointment).

    With no usable active model there is nothing to do: it logs why and returns None
    rather than retrying, since a retry cannot fix that.
    """
    try:
        return score_upcoming(days=days).as_dict()
    except (ScoringError, ArtifactError) as exc:
        logger.warning("Risk scoring skipped: %s", exc)
        return None
