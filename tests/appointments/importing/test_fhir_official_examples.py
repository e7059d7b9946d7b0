"""The published FHIR examples (fixtures/fhir/README.md) through the importer, as published.

UK Core's Appointment example carries every NHS field Attend needs, so it imports, from a
collection, a transaction Bundle of urn:uuid references and a searchset of absolute ones
alike. The HL7 R4 examples are international: no treatment function code, no ODS site code;
each is reported with the element to add, and imports once given just those.
"""

import copy
import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from appointments.importing.models import ImportRowError
from appointments.importing.services import import_extract
from appointments.models import Appointment, AttendanceCode

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
LONDON = ZoneInfo("Europe/London")


def _load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def _uk_core() -> list[dict]:
    return [
        _load("uk-core/UKCore-Appointment-OrthopaedicSurgery-Example.json"),
        _load("uk-core/UKCore-Patient-RichardSmith-Example.json"),
        _load("uk-core/UKCore-Location-HospitalSJUH-Example.json"),
    ]


def _hl7() -> list[dict]:
    return [
        _load("hl7-r4/appointment-example.json"),
        _load("hl7-r4/appointment-example2doctors.json"),
        _load("hl7-r4/appointment-example-request.json"),
        _load("hl7-r4/patient-example.json"),
        _load("hl7-r4/location-example.json"),
    ]


def _write(tmp_path, bundle: dict, name: str = "bundle.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(bundle), encoding="utf-8")
    return path


def _collection(resources: list[dict]) -> dict:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": r} for r in resources]}


def _transaction(resources: list[dict]) -> dict:
    """As a PAS posts new resources: no ids, each entry a urn:uuid fullUrl, references to those."""
    resources = copy.deepcopy(resources)
    urls = {f"{r['resourceType']}/{r['id']}": f"urn:uuid:{index:08d}-7f2c-4b1e-9d3a-5c6e7f8a9b0c"
            for index, r in enumerate(resources)}  # fmt: skip
    for resource in resources:
        del resource["id"]
        for participant in resource.get("participant", []):
            reference = participant.get("actor", {}).get("reference")
            if reference in urls:
                participant["actor"]["reference"] = urls[reference]
    entries = [
        {"fullUrl": url, "resource": r, "request": {"method": "POST", "url": r["resourceType"]}}
        for url, r in zip(urls.values(), resources, strict=True)
    ]
    return {"resourceType": "Bundle", "type": "transaction", "entry": entries}


def _searchset(resources: list[dict], *, absolute: bool) -> dict:
    """As a FHIR server answers a search with _include: fullUrls on the server, references
    absolute or (as published) relative to it."""
    server = "https://pas.example.nhs.uk/fhir"
    resources = copy.deepcopy(resources)
    if absolute:
        for resource in resources:
            for participant in resource.get("participant", []):
                if "reference" in participant.get("actor", {}):
                    participant["actor"]["reference"] = f"{server}/{participant['actor']['reference']}"
    entries = [
        {"fullUrl": f"{server}/{r['resourceType']}/{r['id']}", "resource": r,
         "search": {"mode": "match" if r["resourceType"] == "Appointment" else "include"}}
        for r in resources
    ]  # fmt: skip
    return {"resourceType": "Bundle", "type": "searchset", "total": 1, "entry": entries}


@pytest.mark.parametrize(
    "bundle",
    [
        pytest.param(lambda: _collection(_uk_core()), id="collection"),
        pytest.param(lambda: _transaction(_uk_core()), id="transaction-urn-uuid"),
        pytest.param(lambda: _searchset(_uk_core(), absolute=True), id="searchset-absolute"),
        pytest.param(lambda: _searchset(_uk_core(), absolute=False), id="searchset-relative"),
    ],
)
def test_the_uk_core_appointment_example_imports_as_published(tmp_path, bundle):
    batch = import_extract(path=_write(tmp_path, bundle()))
    assert (batch.rows_created, batch.rows_rejected) == (1, 0), list(ImportRowError.objects.values_list("reason"))
    appointment = Appointment.objects.get()
    assert appointment.pas_id == "e7c54d06-c5b5-4ecb-91c3-5c1e68d3b923"
    assert (appointment.site.ods_code, appointment.clinic.code) == ("RR813", "RR813-218")  # no HealthcareService
    assert (appointment.specialty.treatment_function_code, appointment.appointment_type) == ("110", "follow_up")
    assert (appointment.medium, appointment.attendance_code) == ("face_to_face", AttendanceCode.NOT_YET_KNOWN)
    assert appointment.booked_at == datetime(2022, 2, 14, tzinfo=LONDON)  # created is a date alone
    patient = appointment.patient
    assert (patient.hospital_number, patient.nhs_number) == ("9912003888", "9912003888")  # NHS number only
    assert (patient.preferred_language, patient.interpreter_required) == ("bfi", True)  # British Sign Language
    assert (patient.ethnic_category, patient.postcode, patient.sex) == ("G", "LS17 7DF", "M")


def test_the_earlier_uk_core_release_of_the_example_says_its_snomed_specialty_is_not_a_treatment_function(tmp_path):
    appointment, patient, location = _uk_core()
    appointment["extension"][1] = {"url": appointment["extension"][1]["url"], "valueCode": "Telephone"}
    appointment["specialty"] = [{"coding": [{"system": "http://snomed.info/sct", "code": "394801008"}]}]
    batch = import_extract(path=_write(tmp_path, _collection([appointment, patient, location])))
    error = ImportRowError.objects.get(batch=batch)
    assert (error.line, error.column, error.value) == (1, "specialty_code", "394801008")
    assert error.reason.startswith("Appointment.specialty in Appointment/UKCore-Appointment-OrthopaedicSurgery-Example")
    appointment["specialty"][0]["coding"].append({"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-PracticeSettingCode",
                                                  "code": "110"})  # fmt: skip
    import_extract(path=_write(tmp_path, _collection([appointment, patient, location]), "fixed.json"))
    assert Appointment.objects.get().medium == "telephone"  # DeliveryChannel as version 1's valueCode


def test_the_hl7_r4_examples_are_each_reported_with_the_nhs_elements_they_lack(tmp_path):
    batch = import_extract(path=_write(tmp_path, _collection(_hl7())))
    assert (batch.rows_read, batch.rows_created, batch.rows_rejected) == (3, 0, 3)
    errors = {}
    for error in ImportRowError.objects.filter(batch=batch, severity="error"):
        errors.setdefault(error.line, {})[error.column] = error.reason
    example, two_doctors, request = errors[1], errors[2], errors[3]
    assert set(example) == {"site_code", "specialty_code"}  # date-only created and everything else is fine
    assert example["site_code"].startswith("Location.id in Location/1: the Location has no identifier of system "
                                           "https://fhir.nhs.uk/Id/ods-site-code")  # fmt: skip
    assert example["specialty_code"].startswith("Appointment.specialty in Appointment/example: 394814009 is not a "
                                                "treatment function code")  # fmt: skip
    assert {"site_code", "specialty_code"} <= set(two_doctors)
    assert two_doctors["site_code"].startswith("Appointment.participant in Appointment/2docs: missing: no participant "
                                               "Location")  # fmt: skip
    assert list(request) == ["attendance_code"]
    assert request["attendance_code"].startswith("Appointment.status in Appointment/examplereq: proposed with no "
                                                 "Appointment.start")  # fmt: skip


def test_the_hl7_r4_example_imports_once_given_a_treatment_function_and_an_ods_site_code(tmp_path):
    appointment, *_, patient, location = _hl7()
    appointment["specialty"][0]["coding"].append({"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-PracticeSettingCode",
                                                  "code": "300"})  # fmt: skip
    location["identifier"].append({"system": "https://fhir.nhs.uk/Id/ods-site-code", "value": "RAT01"})
    batch = import_extract(path=_write(tmp_path, _searchset([appointment, patient, location], absolute=True)))
    assert (batch.rows_created, batch.rows_rejected) == (1, 0), list(ImportRowError.objects.values_list("reason"))
    imported = Appointment.objects.get()
    assert (imported.pas_id, imported.site.ods_code, imported.clinic.code) == ("example", "RAT01", "B1-S.F2")
    assert imported.booked_at == datetime(2013, 10, 10, tzinfo=LONDON)
    assert (imported.patient.hospital_number, imported.patient.family_name) == ("12345", "Chalmers")
