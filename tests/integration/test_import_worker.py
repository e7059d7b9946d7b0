"""An uploaded extract imported by a real Celery worker process, then the reports' rollup
rebuilt by the same worker: the path a trust's nightly upload takes in production."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum

from appointments.importing.models import FINAL_IMPORT_STATUSES, ImportBatch, ImportStatus
from appointments.models import Appointment
from reports.models import DnaDailyCount, DnaRollupBuild
from tests.appointments.importing.extracts import csv_text, row
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_an_upload_is_imported_by_a_real_worker_and_the_rollup_rebuilt(
    client_for, admin_user, settings, tmp_path, monkeypatch
):
    # The worker is another process: it must find the upload where the web process saved it.
    monkeypatch.setenv("ATTEND_MEDIA_ROOT", str(tmp_path))
    settings.MEDIA_ROOT = tmp_path
    past = row(appointment_start="2024-03-04T09:30", booked_at="2024-02-01T10:00", attendance_code="3")
    extract = csv_text([row(), past | {"appointment_id": "A0002"}, row(appointment_id="A0003", attendance_code="8")])
    with celery_worker():
        response = client_for(admin_user).post(
            "/api/v1/imports/", {"file": SimpleUploadedFile("extract.csv", extract.encode())}, format="multipart"
        )
        assert response.status_code == 202
        batch_id = response.json()["id"]
        assert wait_for(lambda: ImportBatch.objects.get(pk=batch_id).status in FINAL_IMPORT_STATUSES, timeout=60)
        assert wait_for(DnaRollupBuild.objects.exists, timeout=30)
    batch = ImportBatch.objects.get(pk=batch_id)
    assert (batch.status, batch.rows_created, batch.rows_rejected) == (ImportStatus.SUCCEEDED, 2, 1)
    assert set(Appointment.objects.values_list("pas_id", flat=True)) == {"A0001", "A0002"}
    assert DnaDailyCount.objects.aggregate(dnas=Sum("dnas"))["dnas"] == 1
