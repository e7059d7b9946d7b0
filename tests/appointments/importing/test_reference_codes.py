"""Typos do not become places: a treatment function code not in the NHS Data Dictionary's list
and a site code not in the ODS format are row errors, and every site, specialty and clinic an
extract names for the first time is listed in the batch summary."""

import pytest

from appointments.importing.models import ImportRowError
from appointments.importing.services import import_extract
from appointments.models import Clinic, Site, Specialty
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db


def _import(tmp_path, rows, name="extract.csv"):
    return import_extract(path=write_extract(tmp_path, rows, name=name))


@pytest.mark.parametrize("code", ["999", "112", "000", "NOPE"])
def test_a_specialty_code_that_is_not_a_treatment_function_is_a_row_error_and_creates_nothing(tmp_path, code):
    batch = _import(tmp_path, [row(), row(appointment_id="A2", specialty_code=code, clinic_code="C2")])
    assert (batch.rows_created, batch.rows_rejected) == (1, 1)
    error = ImportRowError.objects.get(batch=batch)
    assert (error.line, error.column, error.value) == (3, "specialty_code", code)
    assert "treatment function code" in error.reason
    assert list(Specialty.objects.values_list("treatment_function_code", flat=True)) == ["100"]


@pytest.mark.parametrize("code", ["RAT09X", "20", "99998", "RAT0123", "R-T01"])
def test_a_site_code_not_in_the_ods_format_is_a_row_error(tmp_path, code):
    batch = _import(tmp_path, [row(site_code=code)])
    assert batch.rows_rejected == 1
    assert "ODS site code" in ImportRowError.objects.get(batch=batch, column="site_code").reason
    assert not Site.objects.exists()


@pytest.mark.parametrize("code", ["RAT", "RAT09", "RDDH0", "7A1A1", "A81001"])
def test_trust_site_welsh_and_gp_practice_codes_are_accepted(tmp_path, code):
    batch = _import(tmp_path, [row(site_code=code)])
    assert batch.rows_created == 1 and Site.objects.get().ods_code == code.upper()


def test_codes_first_seen_in_a_file_are_listed_in_the_batch_summary_and_only_then(tmp_path):
    first = _import(tmp_path, [row()], name="first.csv")
    assert first.new_codes == {
        "sites": {"count": 1, "codes": ["RAT01"]},
        "specialties": {"count": 1, "codes": ["100"]},
        "clinics": {"count": 1, "codes": ["RAT01-100"]},
    }
    later = _import(tmp_path, [row(), row(appointment_id="A2", site_code="RAT09", clinic_code="RAT09-100")],
                    name="later.csv")  # fmt: skip
    assert later.new_codes == {
        "sites": {"count": 1, "codes": ["RAT09"]},
        "clinics": {"count": 1, "codes": ["RAT09-100"]},
    }


def test_a_new_specialty_takes_its_data_dictionary_name(tmp_path):
    _import(tmp_path, [row(specialty_code="101", clinic_code="URO1")])
    assert Specialty.objects.get().name == "Urology Service"
    assert Clinic.objects.get().specialty.treatment_function_code == "101"
