import hashlib
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from appointments.importing.fhir import VIRTUAL_SERVICE_EXTENSION
from appointments.importing.fhir_maps import CANCELLATION_REASONS
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
        path=_bundle(tmp_path, _patient(), LOCATION, _appointment(), _appointment("A2", status="arrivedd"))
    )
    error = ImportRowError.objects.get(batch=batch)
    assert (error.line, error.column, batch.rows_created) == (4, "attendance_code", 1)


def test_an_appointment_without_a_patient_is_reported(tmp_path):
    appointment = _appointment()
    appointment["participant"] = appointment["participant"][1:]
    batch = import_extract(path=_bundle(tmp_path, LOCATION, appointment))
    assert batch.rows_rejected == 1
    assert "no Patient" in ImportRowError.objects.get().reason


def test_a_bad_nhs_number_in_a_fhir_patient_is_dropped_and_its_appointments_kept(tmp_path):
    bad = _patient("p2", identifier=[{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765918"}])
    batch = import_extract(
        path=_bundle(tmp_path, _patient(), bad, LOCATION, _appointment(), _appointment("A2", patient="p2"))
    )
    assert (batch.rows_created, batch.rows_rejected) == (2, 0)
    warning = ImportRowError.objects.get()
    assert (warning.column, warning.severity) == ("nhs_number", "warning")


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


# --- the FHIR R4 and UK Core mapping (issue 15) ------------------------------------------------
LONDON = ZoneInfo("Europe/London")
NHS_ONLY = [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "943 476 5919"}]
UUID = "3f1c2b9e-6d4a-4e8f-9b7c-0a1d2e3f4a5b"


def test_a_date_only_created_is_booked_on_that_day_at_local_midnight(tmp_path):
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(created="2030-07-01")))
    assert Appointment.objects.get().booked_at == datetime(2030, 7, 1, tzinfo=LONDON)


def test_a_created_of_only_a_month_says_the_day_is_needed(tmp_path):
    batch = import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(created="2030-07")))
    error = ImportRowError.objects.get(batch=batch, column="booked_at")
    assert (
        error.reason
        == "Appointment.created in Appointment/A1: gives only the year or month: Attend needs the day it was booked"
    )


def test_a_patient_known_only_by_nhs_number_is_keyed_by_it_despite_a_uuid_id(tmp_path):
    batch = import_extract(
        path=_bundle(tmp_path, _patient(UUID, identifier=NHS_ONLY), LOCATION, _appointment(patient=UUID))
    )
    assert batch.rows_created == 1
    assert Appointment.objects.get().patient.hospital_number == "9434765919"


def test_a_patient_with_no_identifier_gets_a_stable_length_safe_key_from_its_id(tmp_path):
    patient = _patient(UUID, identifier=[])
    import_extract(path=_bundle(tmp_path, patient, LOCATION, _appointment(patient=UUID)))
    import_extract(path=_bundle(tmp_path, patient, LOCATION, _appointment("A2", patient=UUID), name="b2.json"))
    key = Patient.objects.get().hospital_number  # one patient across both Bundles
    assert key == "fhir:" + hashlib.sha256(UUID.encode()).hexdigest()[:27] and len(key) == 32


def test_a_short_patient_id_is_kept_readable_but_never_mistaken_for_a_hospital_number(tmp_path):
    import_extract(path=_bundle(tmp_path, _patient("H0001", identifier=[]), LOCATION, _appointment(patient="H0001")))
    assert Patient.objects.get().hospital_number == "fhir:H0001"


def _participants(*references):
    return [{"actor": {"reference": reference}} for reference in references]


@pytest.mark.parametrize(
    ("changes", "clinic"),
    [
        ({}, "ENT-CLINIC"),  # the HealthcareService
        ({"participant": _participants("Patient/p1", "Location/room")}, "ROOM-7"),  # the Location's own code
        ({"participant": _participants("Patient/p1", "Location/loc1"),
          "serviceType": [{"coding": [{"code": "218"}]}]}, "RAT02-218"),  # site + service type
        ({"participant": _participants("Patient/p1", "Location/loc1")}, "RAT02-120"),  # site + specialty
    ],
)  # fmt: skip
def test_the_clinic_is_the_healthcare_service_else_the_location_else_the_service_at_the_site(tmp_path, changes, clinic):
    room = {"resourceType": "Location", "id": "room", "identifier": [*LOCATION["identifier"], {"value": "ROOM-7"}]}
    batch = import_extract(path=_bundle(tmp_path, _patient(), LOCATION, room, _appointment(**changes)))
    assert batch.rows_created == 1
    assert (Appointment.objects.get().clinic.code, Appointment.objects.get().site.ods_code) == (clinic, "RAT02")


def test_urn_uuid_references_in_a_transaction_bundle_are_resolved(tmp_path):
    patient, location = _patient(), dict(LOCATION)
    del patient["id"], location["id"]
    appointment = _appointment(
        participant=_participants(f"urn:uuid:{UUID}", "urn:uuid:9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4")
    )
    bundle = {"resourceType": "Bundle", "type": "transaction", "entry": [
        {"fullUrl": f"urn:uuid:{UUID}", "resource": patient, "request": {"method": "POST", "url": "Patient"}},
        {"fullUrl": "urn:uuid:9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4", "resource": location,
         "request": {"method": "POST", "url": "Location"}},
        {"fullUrl": "urn:uuid:0b1c2d3e-4f50-4617-8283-94a5b6c7d8e9", "resource": appointment,
         "request": {"method": "POST", "url": "Appointment"}},
    ]}  # fmt: skip
    path = tmp_path / "transaction.json"
    path.write_text(json.dumps(bundle))
    batch = import_extract(path=path)
    assert (batch.rows_created, batch.rows_rejected) == (1, 0)
    assert (Appointment.objects.get().patient.hospital_number, Appointment.objects.get().site.ods_code) == (
        "H-p1",
        "RAT02",
    )


def test_a_relative_reference_is_resolved_on_its_own_entrys_server(tmp_path):
    """Two servers' Patient/p1 in one Bundle: the Appointment's fullUrl says which it means."""
    ours, theirs = _patient(), _patient(identifier=[{"system": "https://other.example/Id", "value": "OTHER"}])
    bundle = {"resourceType": "Bundle", "type": "searchset", "entry": [
        {"fullUrl": "https://other.example/fhir/Patient/p1", "resource": theirs},
        {"fullUrl": "https://pas.example/fhir/Patient/p1", "resource": ours},
        {"fullUrl": "https://pas.example/fhir/Location/loc1", "resource": LOCATION},
        {"fullUrl": "https://pas.example/fhir/Appointment/A1", "resource": _appointment()},
    ]}  # fmt: skip
    path = tmp_path / "searchset.json"
    path.write_text(json.dumps(bundle))
    import_extract(path=path)
    assert Appointment.objects.get().patient.hospital_number == "H-p1"


@pytest.mark.parametrize(
    ("channel", "medium"),
    [
        ({"valueCodeableConcept": {"coding": [{"code": "In-person"}]}}, "face_to_face"),
        ({"valueCodeableConcept": {"coding": [{"code": "Telephone"}]}}, "telephone"),
        ({"valueCodeableConcept": {"coding": [{"code": "Video"}]}}, "video"),
        ({"valueCode": "Telephone"}, "telephone"),  # version 1 of the extension
    ],
)
def test_uk_core_delivery_channel_gives_the_medium(tmp_path, channel, medium):
    extension = [{"url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeliveryChannel", **channel}]
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(extension=extension)))
    assert Appointment.objects.get().medium == medium


def test_an_unknown_delivery_channel_is_reported_where_it_is(tmp_path):
    extension = [
        {
            "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-DeliveryChannel",
            "valueCode": "Carrier pigeon",
        }
    ]
    batch = import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(extension=extension)))
    error = ImportRowError.objects.get(batch=batch)
    assert (error.column, error.value) == ("medium", "Carrier pigeon")
    assert error.reason.startswith("Appointment.extension:DeliveryChannel in Appointment/A1:")


# Every code of http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason (R4).
R4_CANCELLATION_REASONS = (
    "pat",
    "pat-cpp",
    "pat-crs",
    "pat-dec",
    "pat-fb",
    "pat-lt",
    "pat-mt",
    "pat-mv",
    "pat-preg",
    "pat-swl",
    "pat-ucp",
    "prov",
    "prov-dch",
    "prov-edu",
    "prov-hosp",
    "prov-labs",
    "prov-mri",
    "prov-onc",
    "prov-pers",
    "maint",
    "meds-inc",
    "other",
    "oth-cms",
    "oth-err",
    "oth-fin",
    "oth-int",
    "oth-iv",
    "oth-mu",
    "oth-oerr",
    "oth-room",
    "oth-swie",
    "oth-weath",
)


def test_every_r4_cancellation_reason_is_mapped_the_patients_to_2_the_rest_to_4():
    assert set(CANCELLATION_REASONS) == set(R4_CANCELLATION_REASONS)
    for code, (attendance, _) in CANCELLATION_REASONS.items():
        assert attendance == ("2" if code == "pat" or code.startswith("pat-") else "4"), code


@pytest.mark.parametrize(
    ("reason", "code"),
    [
        ({"cancelationReason": {"coding": [{"code": "prov-hosp"}]}}, AttendanceCode.HOSPITAL_CANCELLED),
        ({"cancelationReason": {"coding": [{"code": "prov-pers"}]}}, AttendanceCode.HOSPITAL_CANCELLED),
        ({"cancelationReason": {"coding": [{"code": "maint"}]}}, AttendanceCode.HOSPITAL_CANCELLED),
        ({"cancelationReason": {"coding": [{"code": "pat-lt"}]}}, AttendanceCode.PATIENT_CANCELLED),
        ({"cancellationReason": {"coding": [{"code": "pat"}]}}, AttendanceCode.PATIENT_CANCELLED),  # R5 spelling
        ({}, AttendanceCode.HOSPITAL_CANCELLED),  # nothing says the patient cancelled
    ],
)
def test_a_cancellation_is_the_patients_or_the_hospitals_as_its_reason_says(tmp_path, reason, code):
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(status="cancelled", **reason)))
    assert Appointment.objects.get().attendance_code == code


@pytest.mark.parametrize(
    ("coding", "language", "interpreter"),
    [
        ({"system": "urn:ietf:bcp:47", "code": "bfi"}, "bfi", True),  # British Sign Language
        ({"system": "urn:ietf:bcp:47", "code": "sgn-GB"}, "bfi", True),  # its older BCP 47 tag
        ({"system": "https://fhir.hl7.org.uk/CodeSystem/UKCore-HumanLanguage", "code": "q4"}, "bfi", True),
        ({"system": "urn:ietf:bcp:47", "code": "isg"}, "isg", True),  # Irish Sign Language
        ({"system": "urn:ietf:bcp:47", "code": "ase"}, "ase", True),  # American Sign Language
        ({"system": "urn:ietf:bcp:47", "code": "en-GB"}, "en", False),
        ({"system": "urn:ietf:bcp:47", "code": "pl"}, "pl", False),
    ],
)
def test_sign_languages_are_kept_and_mean_an_interpreter_is_needed(tmp_path, coding, language, interpreter):
    said_no = [{"url": "http://hl7.org/fhir/StructureDefinition/patient-interpreterRequired", "valueBoolean": False}]
    patient = _patient(communication=[{"language": {"coding": [coding]}, "preferred": True}], extension=said_no)
    import_extract(path=_bundle(tmp_path, patient, LOCATION, _appointment()))
    patient = Patient.objects.get()
    assert (patient.preferred_language, patient.interpreter_required) == (language, interpreter)


@pytest.mark.parametrize(
    ("status", "changes", "reason"),
    [
        ("waitlist", {}, "waitlist: the patient is on a waiting list and no appointment is booked yet"),
        ("proposed", {"start": ""}, "proposed with no Appointment.start"),
        ("arrivedd", {}, "not an R4 Appointment.status"),
    ],
)
def test_an_entry_that_is_not_a_booked_appointment_is_skipped_with_the_standards_reason(
    tmp_path, status, changes, reason
):
    batch = import_extract(
        path=_bundle(tmp_path, _patient(), LOCATION, _appointment(), _appointment("A2", status=status, **changes))
    )
    assert (batch.rows_created, batch.rows_rejected) == (1, 1)
    error = ImportRowError.objects.get(batch=batch)
    assert (error.line, error.column, error.value) == (4, "attendance_code", status)
    assert error.reason.startswith(f"Appointment.status in Appointment/A2: {reason}")


def test_a_proposed_appointment_with_a_start_is_imported_as_upcoming(tmp_path):
    batch = import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(status="proposed")))
    assert (batch.rows_created, Appointment.objects.get().attendance_code) == (1, AttendanceCode.NOT_YET_KNOWN)


def test_a_missing_nhs_field_is_reported_with_entry_resource_element_and_reason(tmp_path):
    patient = _patient()
    del patient["birthDate"]
    batch = import_extract(path=_bundle(tmp_path, patient, LOCATION, _appointment()))
    error = ImportRowError.objects.get(batch=batch, severity="error")
    assert (error.line, error.column, error.value) == (3, "date_of_birth", "")
    assert error.reason == "Patient.birthDate in Patient/p1: missing: Attend needs the patient's date of birth"


def test_a_patient_referred_to_but_not_in_the_bundle_is_named(tmp_path):
    batch = import_extract(path=_bundle(tmp_path, LOCATION, _appointment(patient="absent")))
    error = ImportRowError.objects.get(batch=batch, column="date_of_birth")
    assert error.reason.startswith(
        "Patient.birthDate in Patient/absent (not in the Bundle): missing: the Patient is not in the Bundle"
    )


def test_a_contained_location_is_found_by_its_local_reference(tmp_path):
    contained = [{"resourceType": "Location", "id": "here", "identifier": LOCATION["identifier"]}]
    appointment = _appointment(contained=contained, participant=_participants("Patient/p1", "#here"))
    batch = import_extract(path=_bundle(tmp_path, _patient(), appointment))
    assert (batch.rows_created, Appointment.objects.get().site.ods_code) == (1, "RAT02")
