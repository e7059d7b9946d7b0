"""Built-in layouts: a SUS / HES outpatient file (`--layout cds-outpatient`) imports as it is
published, with `&` for missing values, a date without a time, LSOA11 instead of a postcode,
age at the appointment instead of a date of birth and the national codes; and a file of the
wrong layout is refused before any row, naming the layout it looks like.

The file is tests/appointments/importing/data/cds_outpatient_sample.csv (see README.md there).
"""

from datetime import date, datetime, time
from pathlib import Path

import numpy as np
import pytest
from django.utils import timezone

from appointments.importing.models import ImportRowError, ImportStatus
from appointments.importing.report import error_report_lines
from appointments.importing.services import import_extract
from appointments.models import Appointment
from config.localtime import local_zone
from patients.models import Patient
from reports.selectors import dna_rates
from risk.features import compute_features
from risk.table import table_from_queryset
from tests.appointments.importing.extracts import HEADER, row, write_extract

pytestmark = pytest.mark.django_db

CDS_FILE = Path(__file__).parent / "data" / "cds_outpatient_sample.csv"
REJECTED = {"K009", "K010", "K011", "K014"}


@pytest.fixture
def imd2019(deprivation_tables, settings):
    """The HES file's LSOA11 codes are 2011 LSOAs, which IMD 2019 ranks."""
    settings.ATTEND_IMD_VINTAGE = "IMD2019"


@pytest.fixture
def cds_batch(imd2019):
    return import_extract(path=CDS_FILE, layout="cds-outpatient")


def _appointment(pas_id: str) -> Appointment:
    return Appointment.objects.select_related("patient", "clinic").get(pas_id=pas_id)


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=local_zone())


def test_a_cds_outpatient_file_imports_every_good_row_and_rejects_the_rest_with_reasons(cds_batch):
    assert cds_batch.status == ImportStatus.SUCCEEDED and cds_batch.layout == "cds-outpatient"
    assert (cds_batch.rows_read, cds_batch.rows_created, cds_batch.rows_rejected) == (36, 32, 4)
    assert set(Appointment.objects.values_list("pas_id", flat=True)).isdisjoint(REJECTED)
    errors = dict(ImportRowError.objects.filter(severity="error").values_list("line", "column"))
    assert errors == {10: "appointment_type", 11: "specialty_code", 12: "site_code", 15: "specialty_code"}


def test_every_attended_code_becomes_attends_attendance_code(cds_batch):
    codes = dict(Appointment.objects.filter(pas_id__lte="K008").values_list("pas_id", "attendance_code"))
    # 5, 6 attended; 7 late not seen; 3 DNA; 2 patient cancelled; 4 hospital cancelled; 0 and 9 not known.
    assert codes == {"K001": 5, "K002": 6, "K003": 7, "K004": 3, "K005": 2, "K006": 4, "K007": 0, "K008": 0}


def test_the_decile_comes_from_the_lsoa_given_instead_of_a_postcode(cds_batch):
    patient = _appointment("K003").patient
    assert (patient.postcode, patient.lsoa_code, patient.imd_decile, patient.imd_vintage) == (
        "", "E01900002", 2, "IMD2019"
    )  # fmt: skip
    assert _appointment("K019").patient.imd_decile == 1


def test_an_lsoa_the_imd_does_not_rank_is_kept_without_a_decile_and_counted(cds_batch):
    patient = _appointment("K015").patient
    assert (patient.lsoa_code, patient.imd_decile) == ("E01999999", None)
    assert cds_batch.unmatched_lsoas == 1


def test_age_at_the_appointment_is_stored_and_no_birthday_is_made_up(cds_batch):
    assert _appointment("K001").age_at_appointment == 54
    assert _appointment("K003").age_at_appointment == 0  # HES 7006: under one year
    assert _appointment("K013").age_at_appointment is None  # APPTAGE &: a warning, the row kept
    assert not Patient.objects.filter(date_of_birth__isnull=False).exists()
    assert ImportRowError.objects.get(line=14, column="age").severity == "warning"


def test_reports_band_ages_by_the_stated_age_and_say_not_known_without_one(cds_batch):
    bands = {row.groups["age_band"]: row.appointments for row in dna_rates("age_band")}
    assert bands["0-17"] == 2  # K003 (7006: under one) and K004 (1), both happened
    assert bands["Not known"] == 1  # K013: APPTAGE &, a DNA


def test_a_date_without_a_time_is_that_day_with_the_time_not_given(cds_batch):
    appointment = _appointment("K001")
    assert appointment.starts_at == _local_midnight(date(2019, 4, 1))
    assert appointment.start_time_known is False


def test_a_start_without_a_time_has_no_hour_of_day_feature_and_the_stated_age_gives_the_band(cds_batch):
    appointments = Appointment.objects.filter(pas_id__in=["K001", "K003"]).order_by("pas_id")
    features = compute_features(table_from_queryset(appointments))
    assert np.isnan(features["hour"]).all()
    assert features["age_band"].tolist() == [3.0, 0.0]  # 54: 45-64; under one: 0-17


def test_lead_time_comes_from_the_referral_date_or_waiting_days_and_is_otherwise_unknown(cds_batch):
    assert _appointment("K001").booked_at == _local_midnight(date(2019, 3, 1))  # REQDATE
    assert _appointment("K004").booked_at == _local_midnight(date(2019, 4, 26))  # 45 days before 10 June
    assert _appointment("K002").booked_at is None  # REQDATE & and WAITING &
    assert _appointment("K003").booked_at is None  # REQDATE 1800-01-01: HES's null date
    assert _appointment("K002").booking_lead_days is None
    warning = ImportRowError.objects.get(line=16, column="booked_at")  # K015: referred after the appointment
    assert warning.severity == "warning" and _appointment("K015").booked_at is None


def test_first_attendance_codes_give_the_appointment_type_and_medium(cds_batch):
    kinds = {
        pas_id: (kind, medium)
        for pas_id, kind, medium in Appointment.objects.filter(pas_id__in=["K001", "K002", "K005", "K006"])
        .values_list("pas_id", "appointment_type", "medium")
    }  # fmt: skip
    assert kinds == {
        "K001": ("first", "face_to_face"),
        "K002": ("follow_up", "face_to_face"),
        "K005": ("first", "telephone"),
        "K006": ("follow_up", "telephone"),
    }
    refused = ImportRowError.objects.get(line=10)
    assert "clock stop administrative event" in refused.reason and refused.value == "5"


def test_hes_sex_and_ethnic_codes_become_attends(cds_batch):
    def patient_of(pas_id):
        patient = _appointment(pas_id).patient
        return patient.sex, patient.ethnic_category

    assert patient_of("K001") == ("F", "A")  # SEX 2
    assert patient_of("K003") == ("M", "99")  # SEX 1, ETHNOS X (the code before 2013)
    assert patient_of("K005") == ("X", "99")  # SEX 9 not specified, ETHNOS 99
    assert patient_of("K007") == ("U", "Z")  # SEX 0 not known
    assert patient_of("K012") == ("M", "")  # ETHNOS &


def test_the_clinic_is_the_treatment_function_at_the_site(cds_batch):
    assert _appointment("K005").clinic.code == "RAT02-130"


def test_the_summary_and_the_error_report_name_each_rule_that_fired(cds_batch):
    rules = {rule["rule"]: rule["rows"] for rule in cds_batch.rules_applied}
    assert rules["SEX 9 → X (not specified: indeterminate)"] == 2
    assert rules["ATTENDED 9 → blank (not known: outcome left unknown)"] == 1
    assert rules["ETHNOS X → 99 (not known, the code before 2013)"] == 2
    assert rules["APPTDATE date only → time not given"] == 35
    assert rules["TRETSPEF & → blank (not given)"] == 1
    assert rules["booked_at ← appointment day − WAITING days"] == 1
    report = "".join(error_report_lines(cds_batch))
    assert "rule applied: SEX 9 → X (not specified: indeterminate): 2 row(s)" in report


def test_reimporting_the_cds_file_changes_nothing(cds_batch):
    again = import_extract(path=CDS_FILE, layout="cds-outpatient")
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 32)
    assert again.new_codes == {}


def test_a_cds_file_without_the_layout_is_refused_before_any_row_naming_the_layout(db):
    batch = import_extract(path=CDS_FILE)
    assert batch.status == ImportStatus.REFUSED
    assert "look like the cds-outpatient layout" in batch.message and "--layout cds-outpatient" in batch.message
    assert not Appointment.objects.exists() and not Patient.objects.exists()


def test_an_attend_file_given_as_cds_outpatient_is_refused_naming_the_attend_layout(tmp_path):
    batch = import_extract(path=write_extract(tmp_path, [row()]), layout="cds-outpatient")
    assert batch.status == ImportStatus.REFUSED and "--layout attend" in batch.message
    assert not Appointment.objects.exists()


def test_an_attend_extract_may_give_an_lsoa_and_an_age_instead_of_a_postcode_and_birth_date(
    tmp_path, deprivation_tables
):
    header = [column for column in HEADER if column not in ("date_of_birth", "postcode")] + ["lsoa", "age"]
    path = write_extract(tmp_path, [row(lsoa="E01950002", age="44")], header=header)  # a 2021 LSOA, IMD 2025
    batch = import_extract(path=path)
    appointment = _appointment("A0001")
    assert batch.rows_created == 1 and appointment.age_at_appointment == 44
    assert (appointment.patient.date_of_birth, appointment.patient.imd_decile) == (None, 9)


def test_an_attend_extract_with_a_date_only_start_and_no_booking_date_imports(tmp_path):
    header = [column for column in HEADER if column != "booked_at"]
    batch = import_extract(path=write_extract(tmp_path, [row(appointment_start="2030-12-02")], header=header))
    appointment = _appointment("A0001")
    assert batch.rows_created == 1
    assert (appointment.start_time_known, appointment.booked_at) == (False, None)
    assert timezone.localtime(appointment.starts_at).date() == date(2030, 12, 2)


def test_a_blank_date_of_birth_without_an_age_is_still_a_row_error(tmp_path):
    batch = import_extract(path=write_extract(tmp_path, [row(date_of_birth="")]))
    assert batch.rows_rejected == 1
    assert "date of birth, or an age" in ImportRowError.objects.get(batch=batch).reason
