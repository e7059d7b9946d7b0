"""An appointment appears once in an extract: a later row with the same appointment_id is
reported and skipped, and the first row (what a person reading top-down takes as the
appointment) is the one that lands. Every row read is counted exactly once."""

import pytest

from appointments.importing import services
from appointments.importing.models import ImportRowError
from appointments.importing.services import import_extract
from appointments.models import Appointment
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db


def _twelve_rows_two_repeated():
    rows = [row(appointment_id=f"A{n}", patient_id=f"H{n}") for n in range(1, 11)]
    rows.insert(5, row(appointment_id="A2", patient_id="H2", clinic_code="LATER-1"))
    rows.append(row(appointment_id="A7", patient_id="H7", appointment_start="2030-12-09T11:00"))
    return rows


def test_a_repeated_appointment_id_is_reported_with_the_line_it_was_first_given_at(tmp_path):
    batch = import_extract(path=write_extract(tmp_path, _twelve_rows_two_repeated()))
    counts = (batch.rows_read, batch.rows_created, batch.rows_updated, batch.rows_unchanged, batch.rows_rejected)
    assert counts == (12, 10, 0, 0, 2)
    errors = list(ImportRowError.objects.values_list("line", "column", "value", "reason"))
    assert [(line, column, value) for line, column, value, _ in errors] == [
        (7, "appointment_id", "A2"),
        (13, "appointment_id", "A7"),
    ]
    assert errors[0][3].startswith("already given at line 3")
    assert errors[1][3].startswith("already given at line 9")


def test_the_first_row_for_an_appointment_is_the_one_that_lands(tmp_path):
    import_extract(path=write_extract(tmp_path, _twelve_rows_two_repeated()))
    assert Appointment.objects.get(pas_id="A2").clinic.code == "RAT01-100"
    assert Appointment.objects.get(pas_id="A7").starts_at.day == 2


def test_a_repeat_in_a_later_chunk_is_reported_too(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    rows = [row(appointment_id="A1"), row(appointment_id="A2"), row(appointment_id="A3"), row(appointment_id="A1")]
    batch = import_extract(path=write_extract(tmp_path, rows))
    assert (batch.rows_read, batch.rows_created, batch.rows_updated, batch.rows_rejected) == (4, 3, 0, 1)
    assert ImportRowError.objects.get().line == 5


def test_a_row_repeating_a_rejected_row_is_skipped_too_so_fixing_the_first_row_is_enough(tmp_path):
    rows = [row(appointment_id="A1", booked_at="yesterday"), row(appointment_id="A1")]
    batch = import_extract(path=write_extract(tmp_path, rows))
    assert (batch.rows_read, batch.rows_created, batch.rows_rejected) == (2, 0, 2)
    reasons = dict(ImportRowError.objects.values_list("line", "reason"))
    assert reasons[3].startswith("already given at line 2")


def test_a_re_import_of_the_same_file_counts_every_row_once(tmp_path):
    import_extract(path=write_extract(tmp_path, _twelve_rows_two_repeated()))
    again = import_extract(path=write_extract(tmp_path, _twelve_rows_two_repeated(), name="again.csv"))
    assert (again.rows_read, again.rows_unchanged, again.rows_rejected) == (12, 10, 2)
