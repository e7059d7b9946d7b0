"""The admin's upload page: an extract chosen with a file picker is imported by the same
service and task as the API, the page follows it to the end, and its problems download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from appointments.importing.models import ImportBatch, ImportStatus
from appointments.models import Appointment
from audit.models import AuditAction, AuditEvent
from tests.appointments.importing.extracts import csv_text, row

pytestmark = pytest.mark.django_db
UPLOAD = reverse("admin:appointments_importbatch_upload")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _csv(text: str, name="extract.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_upload_page_offers_a_file_picker_and_the_layouts(client_for, admin_user):
    page = client_for(admin_user).get(UPLOAD).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and 'name="file"' in page and 'name="mapping"' in page
    assert 'value="cds-outpatient"' in page
    assert "nhsuk-button" in page


def test_an_admin_uploads_an_extract_follows_its_progress_and_downloads_its_problems(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            UPLOAD, {"file": _csv(csv_text([row(), row(appointment_id="A2", attendance_code="DNA")]))}
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:appointments_importbatch_progress", args=[batch.pk])
    assert Appointment.objects.filter(pas_id="A0001").exists()
    assert AuditEvent.objects.for_target(batch).get().action == AuditAction.CREATE

    progress = client.get(response["Location"]).content.decode()
    assert "Imported" in progress and 'http-equiv="refresh"' not in progress
    report_url = reverse("admin:appointments_importbatch_errors", args=[batch.pk])
    assert report_url in progress

    report = client.get(report_url)
    lines = b"".join(report.streaming_content).decode().splitlines()
    assert lines[0] == "line,column,value,problem,severity"
    assert len(lines) > 1
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, target_type=f"import {batch.pk} problems").exists()


def test_a_waiting_import_s_page_refreshes_itself_until_it_has_run(client_for, admin_user):
    client = client_for(admin_user)
    response = client.post(UPLOAD, {"file": _csv(csv_text([row()])), "layout": "attend"})
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.layout) == (ImportStatus.PENDING, "attend")
    assert 'http-equiv="refresh"' in client.get(response["Location"]).content.decode()


def test_a_layout_and_a_mapping_file_together_are_refused_with_the_reason_and_nothing_stored(client_for, admin_user):
    response = client_for(admin_user).post(
        UPLOAD, {"file": _csv(csv_text([row()])), "layout": "cds-outpatient", "mapping": _csv("x", "map.toml")}
    )
    assert response.status_code == 400
    assert "Give a layout or a mapping file, not both." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_upload_without_a_file_is_refused_with_a_message(client_for, admin_user):
    response = client_for(admin_user).post(UPLOAD, {"layout": ""})
    assert response.status_code == 400
    assert "nhsuk-error-summary" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_staff_who_do_not_administer_attend_are_refused_the_upload_and_the_report(client_for, django_user_model):
    staff = django_user_model.objects.create_user("clerk", password="x", is_staff=True)
    batch = ImportBatch.objects.create(file_name="e.csv", file_sha256="0" * 64, file_size=1)
    client = client_for(staff)
    assert client.get(UPLOAD).status_code == 403
    assert client.post(UPLOAD, {"file": _csv(csv_text([row()]))}).status_code == 403
    assert client.get(reverse("admin:appointments_importbatch_errors", args=[batch.pk])).status_code == 403
    assert ImportBatch.objects.count() == 1


def test_a_call_handler_is_sent_to_the_admin_login_not_the_upload_page(client_for, call_handler):
    response = client_for(call_handler).get(UPLOAD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_the_import_runs_list_links_to_the_upload_page(client_for, admin_user):
    page = client_for(admin_user).get(reverse("admin:appointments_importbatch_changelist")).content.decode()
    assert UPLOAD in page


def test_the_api_s_error_report_download_is_audited_as_the_admin_s_is(client_for, admin_user):
    batch = ImportBatch.objects.create(file_name="e.csv", file_sha256="0" * 64, file_size=1)
    response = client_for(admin_user).get(reverse("api-import-errors", args=[batch.pk]))
    assert response.status_code == 200
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor, event.target_type) == (admin_user, f"import {batch.pk} problems")
