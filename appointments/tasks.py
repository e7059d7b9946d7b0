"""Background work for appointments: processing an uploaded extract, and nightly risk scoring
(enqueued by beat; see config/beat.py)."""

from __future__ import annotations

import logging
import shutil
import tempfile
from contextlib import contextmanager, nullcontext
from pathlib import Path

from celery import shared_task
from django.db.models.fields.files import FieldFile

from appointments.importing.models import ImportBatch, ImportStatus
from appointments.importing.services import run_import
from appointments.risk.predictor import ArtifactError
from appointments.risk.scoring import ScoringError, score_upcoming


@contextmanager
def _local_path(field: FieldFile):
    """A filesystem path for a stored file (copied to a temporary file if the storage is remote)."""
    try:
        yield Path(field.path)
        return
    except NotImplementedError:
        pass
    with tempfile.NamedTemporaryFile(suffix=Path(field.name).suffix) as copy:
        with field.open("rb") as source:
            shutil.copyfileobj(source, copy)
        copy.flush()
        yield Path(copy.name)


@shared_task
def process_import(batch_id: int) -> str:
    """Run an uploaded import. Safe to run twice: only a pending batch is claimed, once.

    An upload that changed appointments queues a rebuild of the reports' rollup, so a
    director does not see yesterday's figures until the night's rebuild."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.PENDING).update(status=ImportStatus.RUNNING)
    if claimed != 1:
        return "not pending"
    batch = ImportBatch.objects.get(pk=batch_id)
    mapping = _local_path(batch.mapping_file) if batch.mapping_file else nullcontext()
    with _local_path(batch.file) as path, mapping as mapping_path:
        batch = run_import(batch, path=path, mapping_path=mapping_path)
    if batch.status == ImportStatus.SUCCEEDED and batch.rows_created + batch.rows_updated:
        from outreach.reports.tasks import rebuild_report_rollup  # the reports app reads appointments, not vice versa

        rebuild_report_rollup.delay()
    return batch.status


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
