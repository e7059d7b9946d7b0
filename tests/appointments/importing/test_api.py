import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from django.urls import reverse

from appointments.importing.models import ImportBatch, ImportStatus
from appointments.models import Appointment
from appointments.tasks import process_import
from reports.models import DnaDailyCount, DnaRollupBuild
from tests.appointments.importing.extracts import csv_text, row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, text: str, name="extract.csv", **extra):
    data = {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv"), **extra}
    return client.post("/api/v1/imports/", data, format="multipart")


def test_an_admin_uploads_an_extract_and_the_task_imports_it(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, csv_text([row(), row(appointment_id="A2", attendance_code="DNA")]))
    assert response.status_code == 202
    status = client.get(response.json()["status_url"]).json()
    assert (status["status"], status["rows_created"], status["rows_rejected"]) == ("succeeded", 1, 1)
    assert Appointment.objects.filter(pas_id="A0001").exists()
    assert ImportBatch.objects.get().uploaded_by == admin_user


def test_an_upload_that_changes_appointments_rebuilds_the_reports_rollup(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    past = row(appointment_start="2024-03-04T09:30", booked_at="2024-02-01T10:00", attendance_code="3")
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, csv_text([past]))
    assert DnaDailyCount.objects.aggregate(dnas=Sum("dnas"))["dnas"] == 1
    built = DnaRollupBuild.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, csv_text([past]))  # the same file again changes nothing
    assert DnaRollupBuild.objects.count() == built


def test_the_upload_answers_before_the_import_runs(client_for, admin_user):
    response = _upload(client_for(admin_user), csv_text([row()]))
    assert response.json()["status"] == ImportStatus.PENDING
    assert response["Location"].endswith(f"/api/v1/imports/{response.json()['id']}/")


def test_the_error_report_downloads_as_csv_with_line_column_and_reason(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = _upload(client, csv_text([row(attendance_code="@SUM(1)")])).json()["id"]
    response = client.get(reverse("api-import-errors", args=[batch_id]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert lines[1][:3] == ["2", "attendance_code", "'@SUM(1)"]


def test_a_refused_upload_reports_why(client_for, admin_user, django_capture_on_commit_callbacks):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = _upload(client, "just,some,columns\n1,2,3\n").json()["id"]
    status = client.get(f"/api/v1/imports/{batch_id}/").json()
    assert status["status"] == "refused" and "required column" in status["message"]


def test_an_upload_with_a_mapping_file_uses_it(client_for, admin_user, django_capture_on_commit_callbacks):
    text = csv_text([row()]).replace("appointment_id", "APPT_REF", 1)
    mapping = SimpleUploadedFile("map.json", b'{"columns": {"appointment_id": "APPT_REF"}}')
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_for(admin_user), text, mapping=mapping)
    assert Appointment.objects.filter(pas_id="A0001").exists()


@pytest.mark.parametrize("role", ["call_handler", "team_lead", "director"])
def test_only_admins_may_upload(client_for, request, role):
    response = _upload(client_for(request.getfixturevalue(role)), csv_text([row()]))
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_signed_out_people_cannot_see_import_status(client):
    assert client.get("/api/v1/imports/").status_code in (401, 403)


def test_running_the_task_twice_imports_once(client_for, admin_user):
    batch_id = _upload(client_for(admin_user), csv_text([row()])).json()["id"]
    assert process_import(batch_id) == "succeeded"
    assert process_import(batch_id) == "not pending"


def test_the_admin_lists_import_batches_read_only_with_the_error_report_link(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        batch_id = _upload(client, csv_text([row(nhs_number="1")])).json()["id"]
    page = client.get(reverse("admin:appointments_importbatch_changelist"))
    assert page.status_code == 200
    assert reverse("admin:appointments_importbatch_errors", args=[batch_id]) in page.content.decode()  # audited
    assert client.get(reverse("admin:appointments_importbatch_add")).status_code == 403


def test_the_import_endpoints_are_in_the_openapi_schema(client_for, admin_user):
    schema = client_for(admin_user).get("/api/schema/").content.decode()
    assert "/api/v1/imports/{id}/" in schema and "/api/v1/imports/{id}/errors.csv" in schema


CDS_FILE = Path(__file__).parent / "data" / "cds_outpatient_sample.csv"


def test_an_upload_names_a_built_in_layout_and_the_task_reads_the_file_with_it(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, CDS_FILE.read_text(encoding="utf-8"), name="hes.csv", layout="cds-outpatient")
    assert response.status_code == 202
    status = client.get(response.json()["status_url"]).json()
    assert (status["status"], status["layout"]) == ("succeeded", "cds-outpatient")
    assert status["rows_created"] > 0


def test_an_upload_without_its_layout_is_refused_with_the_layout_it_looks_like(
    client_for, admin_user, django_capture_on_commit_callbacks
):
    client = client_for(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, CDS_FILE.read_text(encoding="utf-8"), name="hes.csv")
    status = client.get(response.json()["status_url"]).json()
    assert status["status"] == "refused" and "layout=cds-outpatient" in status["message"]
    assert not Appointment.objects.exists()


@pytest.mark.parametrize(
    ("extra", "field"),
    [({"layout": "hes"}, "layout"), ({"layout": "cds-outpatient", "mapping": "mapping"}, "layout")],
)
def test_an_unknown_layout_or_a_layout_with_a_mapping_is_refused_before_anything_is_stored(
    client_for, admin_user, extra, field
):
    if "mapping" in extra:
        extra = {**extra, "mapping": SimpleUploadedFile("m.csv", b"attend_column,file_column\n")}
    response = _upload(client_for(admin_user), csv_text([row()]), **extra)
    assert response.status_code == 400 and field in response.json()
    assert not ImportBatch.objects.exists()
