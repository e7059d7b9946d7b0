"""The trust takes the corrections made in Attend since a date back to its PAS: JSON or CSV,
admin / analyst only, every export audited."""

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from audit.models import AuditAction, AuditEvent
from patients.corrections.services import local_corrections_record
from patients.models import Patient
from tests.support.factories import PatientFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def corrections(call_handler):
    patient = PatientFactory(hospital_number="H1", ethnic_category="", mobile="")
    Patient.objects.filter(pk=patient.pk).update(ethnic_category="H")
    patient.refresh_from_db()
    local_corrections_record(patient=patient, previous={"ethnic_category": ""}, corrected_by=call_handler,
                             now=datetime(2026, 3, 1, 10, 0, tzinfo=LONDON))  # fmt: skip
    Patient.objects.filter(pk=patient.pk).update(mobile="=HYPERLINK(1)")  # hostile, as if typed in
    patient.refresh_from_db()
    local_corrections_record(patient=patient, previous={"mobile": ""}, corrected_by=call_handler,
                             now=datetime(2026, 3, 5, 10, 0, tzinfo=LONDON))  # fmt: skip
    return patient


def test_an_admin_gets_the_corrections_made_since_a_date_and_the_export_is_audited(client_for, admin_user, corrections):
    response = client_for(admin_user).get("/api/v1/corrections/", {"since": "2026-03-02"})
    assert response.status_code == 200
    (correction,) = response.json()
    assert (correction["hospital_number"], correction["field"], correction["value"]) == (
        "H1",
        "mobile",
        "=HYPERLINK(1)",
    )
    assert (correction["previous_value"], correction["source"], correction["corrected_by"]) == ("", "call", "handler")
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert (event.actor, event.target_type) == (admin_user, "patients.localcorrection")
    assert "1 rows" in event.summary


def test_the_csv_holds_every_correction_since_the_date_oldest_first_safe_for_a_spreadsheet(
    client_for, admin_user, corrections
):
    response = client_for(admin_user).get("/api/v1/corrections.csv", {"since": "2026-03-01T00:00:00Z"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["hospital_number"], r["field"], r["value"]) for r in rows] == [
        ("H1", "ethnic_category", "H"), ("H1", "mobile", "'=HYPERLINK(1)"),
    ]  # fmt: skip
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT).count() == 1


def test_a_call_handler_cannot_export_corrections(client_for, call_handler, corrections):
    assert client_for(call_handler).get("/api/v1/corrections/", {"since": "2026-03-01"}).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("since", [None, "yesterday", "2026-02-30"])
def test_a_missing_or_unreadable_date_is_refused_naming_the_parameter(client_for, admin_user, since):
    params = {} if since is None else {"since": since}
    response = client_for(admin_user).get("/api/v1/corrections/", params)
    assert response.status_code == 400 and "since" in response.json()
