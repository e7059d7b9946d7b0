import csv
import io

import pytest

from appointments.importing.csv_source import MAX_LINE_CHARS
from appointments.importing.models import ImportBatch, ImportRowError, ImportStatus
from appointments.importing.report import error_report_lines
from appointments.importing.services import import_extract
from appointments.models import Appointment
from config.spreadsheets import safe_cell
from patients.models import Patient
from tests.appointments.importing.extracts import HEADER, csv_text, row, write_extract

pytestmark = pytest.mark.django_db


def _refused(path):
    batch = import_extract(path=path)
    assert batch.status == ImportStatus.REFUSED
    assert not Patient.objects.exists()
    assert not Appointment.objects.exists()
    assert not ImportRowError.objects.exists()
    return batch.message


def _bytes(tmp_path, content: bytes, name="extract.csv"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_an_empty_file_is_refused_and_nothing_is_written(tmp_path):
    assert "empty" in _refused(_bytes(tmp_path, b""))


def test_a_file_of_blank_lines_is_refused_as_empty(tmp_path):
    assert "empty" in _refused(_bytes(tmp_path, b"\n\n  \n"))


def test_a_header_without_rows_is_refused(tmp_path):
    assert "no appointment rows" in _refused(_bytes(tmp_path, ",".join(HEADER).encode() + b"\n"))


def test_missing_required_columns_are_named_and_nothing_is_written(tmp_path):
    header = [c for c in HEADER if c not in ("attendance_code", "clinic_code")]  # booked_at may be left out
    message = _refused(write_extract(tmp_path, [row()] * 3, header=header))
    assert "clinic_code" in message and "attendance_code" in message


def test_a_semicolon_separated_file_is_refused_as_missing_columns(tmp_path):
    text = csv_text([row()]).replace(",", ";")
    assert "required column" in _refused(_bytes(tmp_path, text.encode()))


def test_a_header_line_longer_than_the_line_limit_is_refused_as_too_long_not_as_missing_columns(tmp_path):
    header = ",".join(HEADER) + "," + "x" * MAX_LINE_CHARS
    text = header + "\n" + csv_text([row()]).split("\n", 1)[1]
    message = _refused(_bytes(tmp_path, text.encode()))
    assert message == (
        "The header row is longer than 65,536 characters: this does not look like an extract "
        "(its header names the columns, a few hundred characters)."
    )


def test_a_header_of_many_short_lines_in_quotes_that_adds_up_past_the_limit_is_refused_as_too_long(tmp_path):
    quoted = '"' + "\n".join(["y" * 1000] * 70) + '"'  # 70 KB over 70 lines, each under the line limit
    text = ",".join(HEADER) + "," + quoted + "\n" + csv_text([row()]).split("\n", 1)[1]
    assert "The header row is longer than 65,536 characters" in _refused(_bytes(tmp_path, text.encode()))


def test_a_blank_first_line_is_refused_with_where_the_header_belongs(tmp_path):
    message = _refused(_bytes(tmp_path, b"\n" + csv_text([row()]).encode()))
    assert message == "The first line is blank: an extract starts with its header row."


def test_a_repeated_header_column_is_refused(tmp_path):
    assert "repeats" in _refused(write_extract(tmp_path, [row()], header=[*HEADER, "postcode"]))


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-an-xlsx", "Excel"),
        (b"%PDF-1.7\n%binary", "PDF"),
        ("appointment_id,patient_id\n".encode("utf-16"), "UTF-16"),
        (b"\x1f\x8b\x08\x00gzip", "gzip"),
        (b"appointment_id\x00,patient_id\n", "NUL"),
    ],
)
def test_a_file_of_the_wrong_type_is_refused_with_a_clear_message(tmp_path, content, what):
    assert what in _refused(_bytes(tmp_path, content))


def test_a_file_that_is_not_utf8_is_refused_even_if_the_bad_byte_is_near_the_end(tmp_path):
    good = csv_text([row(appointment_id=f"A{n}") for n in range(50)]).encode()
    latin1 = (
        csv_text([row(appointment_id="A99")])[len(",".join(HEADER)) + 1 :].replace("H0001", "Zoë").encode("latin-1")
    )
    message = _refused(_bytes(tmp_path, good + latin1))
    assert "not UTF-8" in message


def test_json_that_is_not_a_fhir_bundle_is_refused(tmp_path):
    assert "not a FHIR Bundle" in _refused(_bytes(tmp_path, b'{"resourceType": "Patient"}', "x.json"))


def test_broken_json_is_refused(tmp_path):
    assert "not valid JSON" in _refused(_bytes(tmp_path, b'{"resourceType": "Bundle", ', "x.json"))


def test_a_huge_line_is_skipped_and_reported_without_stopping_the_import(tmp_path):
    text = (
        csv_text([row()])
        + "A2,"
        + "x" * (MAX_LINE_CHARS * 3)
        + "\n"
        + csv_text([row(appointment_id="A3")]).split("\n", 1)[1]
    )
    batch = import_extract(path=_bytes(tmp_path, text.encode()))
    assert (batch.rows_created, batch.rows_rejected) == (2, 1)
    error = ImportRowError.objects.get(batch=batch)
    assert error.line == 3 and "longer than" in error.reason


def test_a_nul_quoted_in_an_error_is_stored_as_a_replacement_character(tmp_path):
    # A too-long value is quoted in its error; PostgreSQL would refuse the NUL inside it
    # and lose the whole run's error report.
    text = csv_text([row(), row(appointment_id="A2", clinic_code="y\x00" + "x" * 300)])
    batch = import_extract(path=_bytes(tmp_path, text.encode()))
    assert (batch.status, batch.rows_created, batch.rows_rejected) == (ImportStatus.SUCCEEDED, 1, 1)
    error = ImportRowError.objects.get(batch=batch)
    assert error.column == "clinic_code" and "longer than" in error.reason
    assert error.value.startswith("y\ufffdxxx")


def test_a_huge_quoted_field_spanning_lines_is_reported_not_loaded(tmp_path):
    field = "\n".join(["y" * 1000] * 200)  # 200 KB over 200 lines: beyond csv's field limit
    text = csv_text([row(), row(appointment_id="A2", patient_id=field), row(appointment_id="A3")])
    batch = import_extract(path=_bytes(tmp_path, text.encode()))
    assert batch.rows_created == 2
    assert batch.rows_rejected >= 1
    assert not Patient.objects.filter(hospital_number__startswith="yyy").exists()


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_a_cell_that_a_spreadsheet_would_run_is_escaped_in_the_error_report(tmp_path, value):
    assert safe_cell(value) == "'" + value


def test_the_error_report_escapes_formulas_from_the_extract(tmp_path):
    batch = import_extract(path=write_extract(tmp_path, [row(nhs_number="=cmd|' /C calc'!A0")]))
    report = list(csv.reader(io.StringIO("".join(error_report_lines(batch)))))
    assert report[0] == ["line", "column", "value", "problem", "severity"]
    assert report[1][:3] == ["2", "nhs_number", "'=cmd|' /C calc'!A0"]


def test_a_refused_file_is_still_recorded_as_a_run_with_its_reason(tmp_path):
    _refused(_bytes(tmp_path, b""))
    batch = ImportBatch.objects.get()
    assert batch.file_name == "extract.csv" and batch.message
