"""An id that a spreadsheet would run as a formula is refused at import, with the reason.

Ids are copied into every CSV Attend writes (the booking team's list, the error report);
refusing them at the door means an id always reads back exactly as the PAS sent it.
"""

import json

import pytest

from appointments.importing.models import ImportRowError, ImportStatus
from appointments.importing.services import import_extract
from appointments.models import Appointment
from patients.models import Patient
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db

FORMULA = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("column", ["appointment_id", "patient_id", "clinic_code"])
def test_an_id_starting_with_a_formula_character_is_refused_and_the_good_rows_land(tmp_path, column):
    rows = [row(), row(**{"appointment_id": "A2", "patient_id": "H2", column: FORMULA}), row(appointment_id="A3")]
    batch = import_extract(path=write_extract(tmp_path, rows))
    assert (batch.status, batch.rows_read, batch.rows_created, batch.rows_rejected) == (ImportStatus.SUCCEEDED, 3, 2, 1)
    error = ImportRowError.objects.get(batch=batch)
    assert (error.line, error.column, error.value, error.severity) == (3, column, FORMULA, "error")
    assert error.reason.startswith("starts with '=', which spreadsheets run as a formula")
    assert set(Appointment.objects.values_list("pas_id", flat=True)) == {"A0001", "A3"}
    assert not Patient.objects.filter(hospital_number=FORMULA).exists()


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_every_formula_character_is_refused_at_the_start_of_an_appointment_id(tmp_path, start):
    batch = import_extract(path=write_extract(tmp_path, [row(appointment_id=f"{start}1+1")]))
    assert (batch.rows_created, batch.rows_rejected) == (0, 1)
    assert "which spreadsheets run as a formula" in ImportRowError.objects.get().reason


def test_a_formula_character_inside_an_id_is_allowed(tmp_path):
    batch = import_extract(path=write_extract(tmp_path, [row(appointment_id="A-1=2", patient_id="H+1@x")]))
    assert (batch.rows_created, batch.rows_rejected) == (1, 0)


def test_a_fhir_appointment_or_patient_id_that_is_a_formula_is_refused(tmp_path):
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "birthDate": "1980-02-03",
        "identifier": [{"system": "https://trust.example/Id/hospital-number", "value": "@SUM(A1)"}],
    }

    def appointment(aid):
        return {
            "resourceType": "Appointment", "id": aid, "status": "booked",
            "start": "2030-12-02T09:30:00+00:00", "created": "2030-11-01T10:00:00+00:00",
            "specialty": [{"coding": [{"code": "120"}]}],
            "participant": [{"actor": {"reference": "Patient/p1"}}, {"actor": {"reference": "Location/RAT02"}},
                            {"actor": {"reference": "HealthcareService/ENT"}}],
        }  # fmt: skip

    path = tmp_path / "bundle.json"
    bundle = {"resourceType": "Bundle", "entry": [{"resource": patient}, {"resource": appointment("+A1")}]}
    path.write_text(json.dumps(bundle))
    batch = import_extract(path=path)
    assert (batch.rows_read, batch.rows_rejected) == (1, 1)
    errors = dict(ImportRowError.objects.values_list("column", "value"))
    assert errors == {"appointment_id": "+A1", "patient_id": "@SUM(A1)"}
