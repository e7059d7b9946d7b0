"""Background work for appointments: processing an uploaded extract."""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager, nullcontext
from pathlib import Path

from celery import shared_task
from django.db.models.fields.files import FieldFile

from appointments.changes import announce_extract_imported
from appointments.importing.models import ImportBatch, ImportStatus
from appointments.importing.services import run_import


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

    An upload that changed appointments is announced (appointments.changes), so the
    reports' rollup is rebuilt and a director does not see yesterday's figures."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.PENDING).update(status=ImportStatus.RUNNING)
    if claimed != 1:
        return "not pending"
    batch = ImportBatch.objects.get(pk=batch_id)
    mapping = _local_path(batch.mapping_file) if batch.mapping_file else nullcontext()
    with _local_path(batch.file) as path, mapping as mapping_path:
        batch = run_import(batch, path=path, mapping_path=mapping_path, layout=batch.layout or None)
    if batch.status == ImportStatus.SUCCEEDED and batch.rows_created + batch.rows_updated + batch.rows_withdrawn:
        announce_extract_imported()
    return batch.status
