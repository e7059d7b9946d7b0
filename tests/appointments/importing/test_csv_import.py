from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from appointments.importing.models import ImportRowError, ImportStatus
from appointments.importing.services import import_extract
from appointments.models import Appointment, AttendanceCode
from patients.models import Patient
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db


def _import(tmp_path, rows, **kwargs):
    return import_extract(path=write_extract(tmp_path, rows, **kwargs))


def test_a_good_extract_creates_the_patient_and_the_appointment(tmp_path):
    batch = _import(tmp_path, [row()])
    assert (batch.status, batch.rows_read, batch.rows_created, batch.patients_created) == ("succeeded", 1, 1, 1)
    appointment = Appointment.objects.get(pas_id="A0001")
    assert appointment.starts_at == datetime(2030, 12, 2, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    assert (appointment.clinic.code, appointment.site.ods_code, appointment.specialty.treatment_function_code) == (
        "RAT01-100", "RAT01", "100",
    )  # fmt: skip
    assert appointment.attendance_code == AttendanceCode.NOT_YET_KNOWN


def test_patient_details_are_normalised(tmp_path):
    _import(tmp_path, [row()])
    patient = Patient.objects.get(hospital_number="H0001")
    assert (patient.nhs_number, patient.postcode, patient.mobile) == ("9434765919", "AT1 2BD", "+447700900123")
    assert (patient.preferred_language, patient.interpreter_required, patient.ethnic_category) == ("pl", True, "A")


def test_a_landline_is_kept_as_the_number_to_call_and_out_of_the_mobile_field(tmp_path):
    _import(tmp_path, [row(phone="0113 243 2799")])
    patient = Patient.objects.get()
    assert (patient.mobile, patient.other_phone) == ("", "+441132432799")
    assert patient.numbers_to_call == [("+441132432799", "landline")]


def test_the_imd_decile_is_derived_from_the_postcode_with_its_vintage(tmp_path, deprivation_tables, settings):
    settings.ATTEND_IMD_VINTAGE = "IMD2019"
    _import(tmp_path, [row(postcode="at12bd")])
    patient = Patient.objects.get()
    assert (patient.lsoa_code, patient.imd_decile, patient.imd_vintage) == ("E01900002", 2, "IMD2019")


def test_the_newest_vintage_is_used_when_none_is_configured(tmp_path, deprivation_tables):
    _import(tmp_path, [row()])
    patient = Patient.objects.get()
    assert (patient.lsoa_code, patient.imd_decile, patient.imd_vintage) == ("E01950002", 9, "IMD2025")


def test_an_unknown_postcode_leaves_imd_empty_and_is_counted_and_reported(tmp_path, deprivation_tables):
    batch = _import(tmp_path, [row(), row(appointment_id="A2", patient_id="H2", postcode="AT8 8ZZ")])
    assert Patient.objects.get(hospital_number="H2").imd_decile is None
    assert (batch.unmatched_postcodes, batch.unmatched_postcode_examples) == (1, ["AT8 8ZZ"])


def test_a_date_of_birth_after_the_appointment_is_refused_even_when_it_is_before_today(tmp_path):
    # An extract from an earlier year: the birth is in the past today, but after the appointment.
    born_later = row(
        appointment_id="A0002",
        patient_id="H2",
        date_of_birth="2019-05-01",
        appointment_start="2019-03-04T09:30",
        booked_at="2019-02-01T10:00",
        attendance_code="5",
    )
    born_before = row(
        appointment_id="A0003",
        patient_id="H3",
        date_of_birth="2019-03-04",
        appointment_start="2019-03-04T09:30",
        booked_at="2019-02-01T10:00",
        attendance_code="5",
    )
    batch = _import(tmp_path, [born_later, born_before])
    assert (batch.rows_created, batch.rows_rejected) == (1, 1)
    error = ImportRowError.objects.get(batch=batch, severity="error")
    assert (error.line, error.column, error.value) == (2, "date_of_birth", "2019-05-01")
    assert "after the appointment (2019-03-04)" in error.reason


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("date_of_birth", "03/02/1980", "YYYY-MM-DD"),
        ("date_of_birth", "1980-02-30", "YYYY-MM-DD"),
        ("date_of_birth", "2999-01-01", "after the appointment"),
        ("appointment_start", "2030-12-32", "ISO 8601"),  # a date alone is "time not given" (test_layouts)
        ("appointment_start", "tomorrow 9am", "ISO 8601"),
        ("booked_at", "2030-13-01T10:00", "ISO 8601"),
        ("attendance_code", "9", "attendance code"),
        ("attendance_code", "DNA", "attendance code"),
        ("appointment_id", "", "missing"),
        ("patient_id", "", "missing"),
        ("sex", "female", "F, M, X or U"),
        ("appointment_type", "urgent", "first or follow_up"),
        ("medium", "carrier pigeon", "face_to_face"),
        ("interpreter_required", "maybe", "Y or N"),
        ("specialty_code", "GS", "treatment function"),
        ("site_code", "", "ODS"),
        ("clinic_code", "x" * 33, "longer than 32"),
    ],
)
def test_a_bad_row_is_skipped_and_reported_with_line_column_and_reason_while_good_rows_land(
    tmp_path, column, value, reason
):
    batch = _import(tmp_path, [row(), row(**{"appointment_id": "A0002", column: value}), row(appointment_id="A0003")])
    assert (batch.rows_read, batch.rows_created, batch.rows_rejected) == (3, 2, 1)
    error = ImportRowError.objects.get(batch=batch, severity="error")
    assert (error.line, error.column) == (3, column)
    assert reason in error.reason
    assert set(Appointment.objects.values_list("pas_id", flat=True)) == {"A0001", "A0003"}


@pytest.mark.parametrize(("column", "value"), [("phone", "12345"), ("postcode", "NOT A PC"), ("language", "Polish")])
def test_an_unusable_contact_detail_is_a_warning_and_the_row_still_lands(tmp_path, column, value):
    batch = _import(tmp_path, [row(**{column: value})])
    assert (batch.rows_created, batch.rows_rejected) == (1, 0)
    warning = ImportRowError.objects.get(batch=batch)
    assert (warning.line, warning.column, warning.severity) == (2, column, "warning")


def test_a_row_with_the_wrong_number_of_fields_is_reported(tmp_path):
    path = write_extract(tmp_path, [row()])
    with path.open("a") as handle:
        handle.write("A9,H9,too,few\n")
    batch = import_extract(path=path)
    assert (batch.rows_created, batch.rows_rejected) == (1, 1)
    assert "fields" in ImportRowError.objects.get(batch=batch).reason


def test_reimporting_the_same_file_changes_nothing_and_duplicates_nothing(tmp_path):
    rows = [row(), row(appointment_id="A2", patient_id="H2", nhs_number="")]
    _import(tmp_path, rows)
    before = list(Appointment.objects.order_by("pas_id").values_list("id", "updated_at"))
    again = _import(tmp_path, rows)
    assert (again.rows_created, again.rows_updated, again.rows_unchanged) == (0, 0, 2)
    assert (again.patients_created, again.patients_updated) == (0, 0)
    assert list(Appointment.objects.order_by("pas_id").values_list("id", "updated_at")) == before
    assert Patient.objects.count() == 2


def test_a_later_extract_updates_outcome_time_and_contact_details(tmp_path):
    _import(tmp_path, [row()])
    batch = _import(tmp_path, [row(attendance_code="5", appointment_start="2030-12-03T11:00", phone="+44 7700 900456")])
    assert (batch.rows_created, batch.rows_updated, batch.patients_updated) == (0, 1, 1)
    appointment = Appointment.objects.get()
    assert appointment.attendance_code == AttendanceCode.ATTENDED
    assert appointment.starts_at.astimezone(ZoneInfo("Europe/London")).hour == 11
    assert appointment.patient.mobile == "+447700900456"


def test_a_later_extract_without_a_phone_column_keeps_the_mobile_on_file(tmp_path):
    _import(tmp_path, [row()])
    header = [c for c in row() if c != "phone"]
    _import(tmp_path, [row(attendance_code="5")], header=header)
    assert Patient.objects.get().mobile == "+447700900123"


def test_a_new_mobile_clears_the_providers_unusable_flag(tmp_path):
    _import(tmp_path, [row()])
    Patient.objects.update(mobile_unusable=True)
    _import(tmp_path, [row(phone="07700 900999")])
    assert Patient.objects.get().mobile_unusable is False


def test_the_same_mobile_keeps_the_providers_unusable_flag(tmp_path):
    _import(tmp_path, [row()])
    Patient.objects.update(mobile_unusable=True)
    _import(tmp_path, [row(attendance_code="5")])
    assert Patient.objects.get().mobile_unusable is True


def test_sms_opt_out_is_never_overwritten_by_an_import(tmp_path):
    _import(tmp_path, [row()])
    Patient.objects.update(sms_opt_out=True)
    _import(tmp_path, [row(phone="07700 900999")])
    assert Patient.objects.get().sms_opt_out is True


def test_each_run_records_file_name_hash_counts_and_duration(tmp_path):
    batch = _import(tmp_path, [row(), row(appointment_id="")])
    assert batch.status == ImportStatus.SUCCEEDED
    assert (batch.file_name, len(batch.file_sha256), batch.rows_read, batch.rows_rejected) == ("extract.csv", 64, 2, 1)
    assert batch.duration_seconds is not None and batch.finished_at is not None


def test_a_utf8_byte_order_mark_and_crlf_line_ends_are_accepted(tmp_path):
    path = write_extract(tmp_path, [row()])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert import_extract(path=path).rows_created == 1


def test_a_utc_offset_in_the_extract_is_respected(tmp_path):
    _import(tmp_path, [row(appointment_start="2030-07-01T09:30:00Z")])
    assert Appointment.objects.get().starts_at == datetime(2030, 7, 1, 9, 30, tzinfo=ZoneInfo("UTC"))


def test_two_rows_that_disagree_about_a_patient_are_warned_about_and_both_kept(tmp_path):
    batch = _import(
        tmp_path,
        [
            row(appointment_id="A1", date_of_birth="1980-02-03"),
            row(appointment_id="A2", date_of_birth="1980-02-03"),
            row(appointment_id="A3", date_of_birth="1981-02-03", sex="M"),
        ],
    )
    assert (batch.rows_created, batch.rows_rejected) == (3, 0)
    warnings = ImportRowError.objects.filter(batch=batch, severity="warning").order_by("column")
    assert [(w.line, w.column, w.value) for w in warnings] == [(4, "date_of_birth", "1981-02-03"), (4, "sex", "M")]
    assert all("different" in w.reason and "check the patient's record" in w.reason for w in warnings)
    assert str(Patient.objects.get().date_of_birth) == "1981-02-03"  # the last row's, as the warning says
