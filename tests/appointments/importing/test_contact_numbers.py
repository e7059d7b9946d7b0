"""Every number an extract gives is kept with its kind: texts go to a mobile, calls to any number.

A file may give one number (`phone`) or two (`phone`, `other_phone`), in either order; FHIR gives
Patient.telecom. The first mobile is the one texts go to; the first other number is kept for calls.
"""

import json

import pytest

from appointments.importing.models import ImportRowError
from appointments.importing.services import import_extract
from patients.models import Patient
from tests.appointments.importing.extracts import HEADER, row, write_extract

pytestmark = pytest.mark.django_db
TWO_NUMBERS = [*HEADER, "other_phone"]


def _import(tmp_path, rows, header=TWO_NUMBERS):
    return import_extract(path=write_extract(tmp_path, rows, header=header))


def _numbers(hospital_number="H0001"):
    patient = Patient.objects.get(hospital_number=hospital_number)
    return patient.mobile, patient.other_phone


def test_a_mobile_given_second_is_still_the_one_texts_go_to(tmp_path):
    _import(tmp_path, [row(phone="020 7946 0123", other_phone="07700 900456")])
    assert _numbers() == ("+447700900456", "+442079460123")
    assert Patient.objects.get().numbers_to_call == [("+447700900456", "mobile"), ("+442079460123", "landline")]


def test_two_mobiles_keep_the_second_for_calls_only(tmp_path):
    _import(tmp_path, [row(phone="07700 900123", other_phone="07700 900456")])
    assert _numbers() == ("+447700900123", "+447700900456")


def test_the_same_number_twice_is_kept_once(tmp_path):
    batch = _import(tmp_path, [row(phone="07700 900123", other_phone="+44 7700 900123")])
    assert _numbers() == ("+447700900123", "")
    assert not ImportRowError.objects.filter(batch=batch).exists()


def test_an_unreadable_number_is_a_warning_and_the_other_is_kept(tmp_path):
    batch = _import(tmp_path, [row(phone="12345", other_phone="0113 243 2799")])
    assert (batch.rows_created, batch.rows_rejected) == (1, 0)
    assert _numbers() == ("", "+441132432799")
    warning = ImportRowError.objects.get(batch=batch)
    assert (warning.column, warning.value, warning.severity) == ("phone", "12345", "warning")
    assert "number not kept" in warning.reason


def test_two_landlines_keep_the_first_and_say_so(tmp_path):
    batch = _import(tmp_path, [row(phone="0113 243 2799", other_phone="020 7946 0123")])
    assert _numbers() == ("", "+441132432799")
    warning = ImportRowError.objects.get(batch=batch)
    assert (warning.column, warning.severity) == ("other_phone", "warning")
    assert "keeps one" in warning.reason


def test_a_number_removed_from_the_pas_is_removed_from_attend(tmp_path):
    _import(tmp_path, [row(phone="07700 900123", other_phone="0113 243 2799")])
    _import(tmp_path, [row(phone="07700 900123", other_phone="")])
    assert _numbers() == ("+447700900123", "")


def test_a_file_without_phone_columns_leaves_the_numbers_alone(tmp_path):
    _import(tmp_path, [row(phone="0113 243 2799")])
    _import(tmp_path, [row()], header=[c for c in HEADER if c != "phone"])
    assert _numbers() == ("", "+441132432799")


def _fhir_bundle(telecom):
    patient = {
        "resourceType": "Patient",
        "id": "p1",
        "identifier": [{"system": "https://trust.example/mrn", "value": "H0001"}],
        "birthDate": "1980-02-03",
        "telecom": telecom,
    }
    appointment = {
        "resourceType": "Appointment",
        "id": "a1",
        "status": "booked",
        "start": "2030-12-02T09:30:00+00:00",
        "created": "2030-11-01",
        "specialty": [{"coding": [{"code": "100"}]}],
        "participant": [
            {"actor": {"reference": "Patient/p1"}, "status": "accepted"},
            {"actor": {"reference": "Location/l1"}, "status": "accepted"},
        ],
    }
    location = {
        "resourceType": "Location",
        "id": "l1",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/ods-site-code", "value": "RAT01"}],
    }
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"fullUrl": f"https://pas.example/{r['resourceType']}/{r['id']}", "resource": r}
                  for r in (appointment, patient, location)],
    }  # fmt: skip


def test_fhir_keeps_the_mobile_and_the_next_phone_in_rank_order_and_leaves_out_old_numbers(tmp_path):
    telecom = [
        {"system": "email", "value": "a@example.org"},
        {"system": "phone", "value": "020 7946 0999", "use": "old"},
        {"system": "phone", "value": "0113 243 2799", "use": "work", "rank": 2},
        {"system": "phone", "value": "020 7946 0123", "use": "home", "rank": 1},
        {"system": "phone", "value": "07700 900456", "use": "mobile", "rank": 3},
    ]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_fhir_bundle(telecom)))
    batch = import_extract(path=path)
    assert batch.rows_created == 1, list(ImportRowError.objects.values_list("reason", flat=True))
    assert _numbers() == ("+447700900456", "+442079460123")


def test_a_number_recorded_on_a_call_survives_re_imports_that_do_not_have_it(tmp_path):
    from django.utils import timezone

    from patients.corrections.models import LocalCorrection

    _import(tmp_path, [row(phone="", other_phone="")])
    patient = Patient.objects.get()
    patient.other_phone = "+441132432799"
    patient.save()
    LocalCorrection.objects.create(
        patient=patient, field="other_phone", value="+441132432799", corrected_at=timezone.now()
    )
    for _ in range(3):
        _import(tmp_path, [row(phone="", other_phone="")])
    assert _numbers() == ("", "+441132432799")


def test_designs_landline_column_is_read_beside_phone_and_a_third_number_is_a_warning(tmp_path):
    header = [*HEADER, "landline", "other_phone"]
    batch = _import(
        tmp_path, [row(phone="07700 900123", landline="0113 243 2799", other_phone="020 7946 0123")], header=header
    )
    assert _numbers() == ("+447700900123", "+441132432799")
    warning = ImportRowError.objects.get(batch=batch)
    assert (warning.column, warning.value) == ("other_phone", "020 7946 0123")


def test_accessible_information_needs_are_read_and_an_unknown_one_is_a_warning(tmp_path):
    header = [*HEADER, "communication_needs"]
    batch = _import(tmp_path, [row(communication_needs="Relay_UK; large_print;telepathy")], header=header)
    assert Patient.objects.get().communication_needs == "large_print,relay_uk"
    warning = ImportRowError.objects.get(batch=batch)
    assert (warning.column, warning.severity) == ("communication_needs", "warning")
    assert "telepathy" in warning.reason


def test_accessible_information_needs_recorded_in_attend_survive_a_blank_pas_value(tmp_path):
    from django.utils import timezone

    from patients.corrections.models import LocalCorrection

    header = [*HEADER, "communication_needs"]
    _import(tmp_path, [row(communication_needs="")], header=header)
    patient = Patient.objects.get()
    patient.communication_needs = "easy_read"
    patient.save()
    LocalCorrection.objects.create(
        patient=patient, field="communication_needs", value="easy_read", corrected_at=timezone.now()
    )
    for _ in range(3):
        _import(tmp_path, [row(communication_needs="")], header=header)
    assert Patient.objects.get().communication_needs == "easy_read"


def test_a_parent_or_carer_is_read_and_a_carer_landline_is_kept_with_a_warning(tmp_path):
    header = [*HEADER, "contact_name", "contact_phone", "contact_relationship"]
    batch = _import(
        tmp_path,
        [row(contact_name="Sam Jones", contact_phone="0113 243 2799", contact_relationship="mother")],
        header=header,
    )
    patient = Patient.objects.get()
    assert (patient.contact_name, patient.contact_phone, patient.contact_relationship) == (
        "Sam Jones", "+441132432799", "mother",
    )  # fmt: skip
    warning = ImportRowError.objects.get(batch=batch)
    assert (warning.column, warning.severity) == ("contact_phone", "warning")
    assert "not a mobile" in warning.reason and "reminders are then not sent" in warning.reason
