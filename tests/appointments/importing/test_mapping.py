import json

import pytest

from appointments.importing.models import ImportRowError, ImportStatus
from appointments.importing.services import import_extract
from appointments.models import Appointment, AttendanceCode
from patients.models import Patient
from tests.appointments.importing.extracts import HEADER, row

pytestmark = pytest.mark.django_db

TRUST_HEADERS = {
    "appointment_id": "APPT_REF", "patient_id": "MRN", "date_of_birth": "DOB", "appointment_start": "APPT_DTTM",
    "booked_at": "BOOKED_DTTM", "attendance_code": "OUTCOME", "sex": "GENDER",
}  # fmt: skip


def _trust_extract(tmp_path, **changes):
    values = row(date_of_birth="03/02/1980", appointment_start="02/12/2030 09:30", booked_at="01/11/2030 10:00")
    values.update(changes)
    header = [TRUST_HEADERS.get(column, column) for column in HEADER]
    path = tmp_path / "trust.csv"
    path.write_text(",".join(header) + "\n" + ",".join(values[c] for c in HEADER) + "\n")
    return path


def _json_mapping(tmp_path, **extra):
    path = tmp_path / "mapping.json"
    mapping = {
        "columns": TRUST_HEADERS,
        "values": {"attendance_code": {"ATT": "5", "DNA": "3"}, "sex": {"Female": "F"}},
        "date_format": "%d/%m/%Y",
        "datetime_format": "%d/%m/%Y %H:%M",
        **extra,
    }
    path.write_text(json.dumps(mapping))
    return path


def test_a_mapping_file_reads_a_trusts_own_headers_values_and_date_formats(tmp_path):
    batch = import_extract(
        path=_trust_extract(tmp_path, attendance_code="DNA", sex="Female"), mapping_path=_json_mapping(tmp_path)
    )
    assert (batch.status, batch.rows_created) == (ImportStatus.SUCCEEDED, 1)
    appointment = Appointment.objects.get(pas_id="A0001")
    assert appointment.attendance_code == AttendanceCode.DID_NOT_ATTEND
    assert appointment.starts_at.isoformat() == "2030-12-02T09:30:00+00:00"
    assert (Patient.objects.get().date_of_birth.isoformat(), Patient.objects.get().sex) == ("1980-02-03", "F")


def test_a_mapped_date_that_does_not_fit_the_format_is_a_row_error_naming_the_format(tmp_path):
    import_extract(path=_trust_extract(tmp_path, date_of_birth="1980-02-03"), mapping_path=_json_mapping(tmp_path))
    assert "%d/%m/%Y" in ImportRowError.objects.get().reason


def test_a_two_column_csv_mapping_file_is_accepted(tmp_path):
    mapping = tmp_path / "mapping.csv"
    mapping.write_text("attend_column,trust_column\n" + "".join(f"{a},{t}\n" for a, t in TRUST_HEADERS.items()))
    extract = _trust_extract(tmp_path, date_of_birth="1980-02-03", appointment_start="2030-12-02T09:30",
                             booked_at="2030-11-01T10:00", sex="F")  # fmt: skip
    assert import_extract(path=extract, mapping_path=mapping).rows_created == 1


def test_without_the_mapping_a_trusts_headers_are_refused_naming_the_missing_columns(tmp_path):
    batch = import_extract(path=_trust_extract(tmp_path))
    assert batch.status == ImportStatus.REFUSED and "appointment_id" in batch.message


def test_a_mapping_that_names_a_header_the_file_lacks_is_refused_naming_both(tmp_path):
    mapping = _json_mapping(tmp_path, columns={**TRUST_HEADERS, "appointment_id": "APPOINTMENT_NUMBER"})
    batch = import_extract(path=_trust_extract(tmp_path), mapping_path=mapping)
    assert batch.status == ImportStatus.REFUSED and "'APPOINTMENT_NUMBER'" in batch.message


def test_a_mapping_that_names_an_unknown_attend_column_is_refused(tmp_path):
    mapping = _json_mapping(tmp_path, columns={"appointment_ref": "APPT_REF"})
    batch = import_extract(path=_trust_extract(tmp_path), mapping_path=mapping)
    assert batch.status == ImportStatus.REFUSED and "appointment_ref" in batch.message


def test_a_mapping_file_that_is_not_json_or_the_csv_layout_is_refused(tmp_path):
    mapping = tmp_path / "mapping.txt"
    mapping.write_text("APPT_REF means appointment_id")
    batch = import_extract(path=_trust_extract(tmp_path), mapping_path=mapping)
    assert batch.status == ImportStatus.REFUSED and "attend_column,trust_column" in batch.message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"date_format": 5}', "not a usable date pattern"),
        ('{"datetime_format": "dd/mm/yyyy"}', "not a usable date pattern"),
        ('{"date_format": "%Y-%m"}', "not a usable date pattern"),  # cannot give back the day
        ('["appointment_id", "APPT_REF"]', "must be a JSON object"),
    ],
)
def test_a_mapping_with_an_unusable_format_or_shape_is_refused_before_any_row(tmp_path, content, message):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(content)
    batch = import_extract(path=_trust_extract(tmp_path), mapping_path=mapping)
    assert batch.status == ImportStatus.REFUSED and message in batch.message
    assert not Appointment.objects.exists()
