import json

import pytest

from appointments.importing.fhir import VIRTUAL_SERVICE_EXTENSION
from appointments.importing.models import ImportRowError, ImportStatus
from appointments.importing.services import import_extract
from appointments.models import Appointment, AttendanceCode
from patients.models import Patient

pytestmark = pytest.mark.django_db


def _patient(pid="p1", **changes):
    resource = {
        "resourceType": "Patient",
        "id": pid,
        "identifier": [
            {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919"},
            {"system": "https://trust.example/Id/hospital-number", "value": f"H-{pid}"},
        ],
        "name": [{"given": ["Ada"], "family": "Lovelace"}],
        "gender": "female",
        "birthDate": "1980-02-03",
        "address": [{"postalCode": "AT1 2BD"}],
        "telecom": [{"system": "phone", "use": "home", "value": "0113 243 2799"},
                    {"system": "phone", "use": "mobile", "value": "07700 900123"}],
        "communication": [{"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": "pl"}]}, "preferred": True}],
        "extension": [
            {"url": "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired", "valueBoolean": True},
            {"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-EthnicCategory",
             "valueCodeableConcept": {"coding": [{"code": "J"}]}},
        ],
    }  # fmt: skip
    resource.update(changes)
    return resource


def _appointment(aid="A1", status="booked", patient="p1", **changes):
    resource = {
        "resourceType": "Appointment",
        "id": aid,
        "status": status,
        "start": "2030-12-02T09:30:00+00:00",
        "created": "2030-11-01T10:00:00+00:00",
        "appointmentType": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0276", "code": "FOLLOWUP"}]
        },
        "specialty": [{"coding": [{"system": "https://fhir.nhs.uk/CodeSystem/Specialty-1", "code": "120"}]}],
        "participant": [
            {"actor": {"reference": f"Patient/{patient}"}, "status": "accepted"},
            {"actor": {"reference": "Location/loc1"}, "status": "accepted"},
            {"actor": {"reference": "HealthcareService/ENT-CLINIC"}, "status": "accepted"},
        ],
    }
    resource.update(changes)
    return resource


LOCATION = {
    "resourceType": "Location",
    "id": "loc1",
    "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-site-code", "value": "RAT02"}],
}


def _bundle(tmp_path, *resources, name="bundle.json"):
    path = tmp_path / name
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}
    path.write_text(json.dumps(bundle))
    return path


def test_a_fhir_bundle_of_appointments_is_imported_with_its_patients(tmp_path):
    batch = import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment()))
    assert (batch.status, batch.format, batch.rows_created) == (ImportStatus.SUCCEEDED, "fhir", 1)
    appointment = Appointment.objects.get(pas_id="A1")
    assert (appointment.site.ods_code, appointment.clinic.code) == ("RAT02", "ENT-CLINIC")
    assert (appointment.specialty.treatment_function_code, appointment.appointment_type) == ("120", "follow_up")
    patient = appointment.patient
    assert (patient.hospital_number, patient.nhs_number, patient.sex) == ("H-p1", "9434765919", "F")
    assert (patient.mobile, patient.preferred_language, patient.interpreter_required) == ("+447700900123", "pl", True)
    assert (patient.ethnic_category, patient.given_name, patient.family_name) == ("J", "Ada", "Lovelace")


@pytest.mark.parametrize(
    ("status", "reason", "code"),
    [
        ("booked", None, AttendanceCode.NOT_YET_KNOWN),
        ("fulfilled", None, AttendanceCode.ATTENDED),
        ("noshow", None, AttendanceCode.DID_NOT_ATTEND),
        ("cancelled", "pat", AttendanceCode.PATIENT_CANCELLED),
        ("cancelled", "prov", AttendanceCode.HOSPITAL_CANCELLED),
    ],
)
def test_fhir_statuses_map_to_attendance_codes(tmp_path, status, reason, code):
    extra = {"cancelationReason": {"coding": [{"code": reason}]}} if reason else {}
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(status=status, **extra)))
    assert Appointment.objects.get().attendance_code == code


@pytest.mark.parametrize(
    ("changes", "medium"),
    [
        ({}, "face_to_face"),
        ({"serviceType": [{"coding": [{"system": "http://snomed.info/sct", "code": "185317003"}]}]}, "telephone"),
        ({"virtualService": [{"channelType": {"code": "ms-teams"}}]}, "video"),
        ({"extension": [{"url": VIRTUAL_SERVICE_EXTENSION, "extension": [{"url": "channelType"}]}]}, "video"),
    ],
)
def test_the_medium_comes_from_the_virtual_service_or_a_telephone_service_type(tmp_path, changes, medium):
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(**changes)))
    assert Appointment.objects.get().medium == medium


@pytest.mark.parametrize(
    "changes",
    [
        {"participant": "Patient/p1"},
        {"participant": ["Patient/p1"]},
        {"identifier": "A9"},
        {"specialty": {"coding": [{"code": "120"}]}},
        {"serviceType": "telephone"},
        {"status": ["booked"]},
    ],
)
def test_an_appointment_of_the_wrong_shape_is_reported_and_the_rest_of_the_bundle_lands(tmp_path, changes):
    bad = _appointment(aid="BAD", **changes)
    batch = import_extract(path=_bundle(tmp_path, _patient(), LOCATION, "not a resource", bad, _appointment()))
    assert (batch.status, batch.rows_created, batch.rows_rejected) == (ImportStatus.SUCCEEDED, 1, 1)
    assert list(Appointment.objects.values_list("pas_id", flat=True)) == ["A1"]
    error = ImportRowError.objects.get(batch=batch)
    assert error.line == 4 and "not shaped as a FHIR R4 Appointment" in error.reason  # the Bundle's 4th entry


def test_an_unmappable_fhir_status_is_a_row_error_with_its_entry_number(tmp_path):
    batch = import_extract(
        path=_bundle(tmp_path, _patient(), LOCATION, _appointment(), _appointment("A2", status="entered-in-error"))
    )
    error = ImportRowError.objects.get(batch=batch)
    assert (error.line, error.column, batch.rows_created) == (4, "attendance_code", 1)


def test_an_appointment_without_a_patient_is_reported(tmp_path):
    appointment = _appointment()
    appointment["participant"] = appointment["participant"][1:]
    batch = import_extract(path=_bundle(tmp_path, LOCATION, appointment))
    assert batch.rows_rejected == 1
    assert "no Patient" in ImportRowError.objects.get().reason


def test_a_bad_nhs_number_in_a_fhir_patient_skips_its_appointments(tmp_path):
    bad = _patient("p2", identifier=[{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765918"}])
    batch = import_extract(
        path=_bundle(tmp_path, _patient(), bad, LOCATION, _appointment(), _appointment("A2", patient="p2"))
    )
    assert (batch.rows_created, batch.rows_rejected) == (1, 1)
    assert ImportRowError.objects.get().column == "nhs_number"


def test_reimporting_a_bundle_with_a_new_status_updates_the_outcome(tmp_path):
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment()))
    batch = import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(status="noshow"), name="b2.json"))
    assert (batch.rows_updated, Appointment.objects.get().attendance_code) == (1, AttendanceCode.DID_NOT_ATTEND)
    assert Patient.objects.count() == 1


def test_a_bundle_without_appointments_is_refused(tmp_path):
    batch = import_extract(path=_bundle(tmp_path, _patient()))
    assert batch.status == ImportStatus.REFUSED
    assert "no Appointment" in batch.message
    assert not Patient.objects.exists()
