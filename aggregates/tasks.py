"""Background jobs: the nightly export (and its send over MESH), and the hourly sweep of sends."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from aggregates import delivery, mesh
from aggregates.services import export_aggregates, last_whole_months

logger = logging.getLogger(__name__)


@shared_task(name="aggregates.export_aggregates")
def export_aggregates_nightly(today: str | None = None) -> int | None:
    """Export the last ATTEND_AGGREGATES_MONTHS whole months and, with MESH set up, send the file.
    Idempotent: figures unchanged since the last night's export give the same file and the same
    send, which is not sent again. `today` (YYYY-MM-DD) replays another day's run."""
    if not settings.ATTEND_TRUST_ODS_CODE:
        logger.info("No aggregate export: ATTEND_TRUST_ODS_CODE is not set.")
        return None
    date_from, date_to = last_whole_months(
        settings.ATTEND_AGGREGATES_MONTHS, date.fromisoformat(today) if today else timezone.localdate()
    )
    exported = export_aggregates(
        date_from=date_from, date_to=date_to, actor_label="nightly export", reuse_unchanged=True
    )
    if mesh.is_configured():
        delivery.send(delivery.queue_send(exported).pk)
    return exported.pk


@shared_task(name="aggregates.sweep_mesh_sends")
def sweep_mesh_sends() -> dict[str, int]:
    """Try again the sends that failed, and record the acknowledgements MESH reports."""
    released = delivery.release_stale_claims()
    tried = delivery.send_due()
    tracked = delivery.track_sent()
    return {"released": released, "tried": len(tried), "tracked": len(tracked)}
