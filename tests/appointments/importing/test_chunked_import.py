"""Imports that span several chunks (read one chunk ahead in a thread) and a write that fails part-way."""

import threading
import time

import pytest

from appointments.importing import services
from appointments.importing.csv_source import CsvSource
from appointments.importing.mapping import IDENTITY
from appointments.importing.models import ImportStatus
from appointments.importing.services import import_extract
from appointments.importing.validation import RowValidator
from appointments.importing.writing import BatchWriter
from appointments.importing.writing_postgres import Stager, staged_appointments
from appointments.models import Appointment
from patients.models import Patient
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db


def _readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "attend-import-reader"]


def test_a_patient_who_changes_in_a_later_chunk_ends_with_the_last_values(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 2)
    rows = [row(appointment_id=f"A{n}", phone="07700 900123") for n in range(4)]
    rows += [row(appointment_id="A9", phone="07700 900456"), row(appointment_id="A10", phone="07700 900456")]
    batch = import_extract(path=write_extract(tmp_path, rows))
    assert (batch.status, batch.rows_created, batch.patients_created, batch.patients_updated) == (
        ImportStatus.SUCCEEDED, 6, 1, 1,
    )  # fmt: skip
    assert Patient.objects.get().mobile == "+447700900456"
    again = import_extract(path=write_extract(tmp_path, rows, name="again.csv"))
    # The number goes back to the first one in the first chunk, then to the second again.
    assert (again.rows_unchanged, again.patients_created, again.patients_updated) == (6, 0, 2)
    assert Patient.objects.get().mobile == "+447700900456"


def test_a_write_that_fails_part_way_fails_the_batch_and_stops_the_reader(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 1)
    calls = []

    def failing_write(self, rows, staged=None):
        calls.append(rows)
        raise RuntimeError("disk full")

    monkeypatch.setattr(BatchWriter, "write", failing_write)
    monkeypatch.setattr("appointments.importing.writing_postgres.PostgresBatchWriter.write", failing_write)
    rows = [row(appointment_id=f"A{n}") for n in range(5)]
    batch = import_extract(path=write_extract(tmp_path, rows))
    assert batch.status == ImportStatus.FAILED
    assert "disk full" in batch.message
    assert len(calls) == 1
    assert not Appointment.objects.exists()
    assert not _readers()


def _chunks(tmp_path, rows: int, wanted) -> list[tuple[list, object]]:
    """The chunks `_valid_chunks` hands over for an extract of `rows` appointments, with a stager."""
    path = write_extract(tmp_path, [row(appointment_id=f"A{n}", patient_id=f"H{n // 3}") for n in range(rows)])
    batch = services.create_batch(file_name=path.name)
    source = CsvSource(path, IDENTITY)
    log = services._ProblemLog(batch)
    return list(services._valid_chunks(batch, source, RowValidator(IDENTITY), log, None, b"", Stager(), wanted))


def test_a_chunk_is_handed_over_early_only_when_the_writer_is_waiting(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 12)
    monkeypatch.setattr(services, "SOONEST_ROWS", 4)
    monkeypatch.setattr(services, "_BLOCK_ROWS", 2)
    assert [len(chunk) for chunk, _ in _chunks(tmp_path, 30, lambda: False)] == [12, 12, 6]
    assert [len(chunk) for chunk, _ in _chunks(tmp_path, 10, lambda: True)] == [4, 4, 2]


def test_a_chunk_staged_a_block_at_a_time_is_the_chunk_staged_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(services, "CHUNK_ROWS", 7)
    monkeypatch.setattr(services, "_BLOCK_ROWS", 2)
    for chunk, staged in _chunks(tmp_path, 20, lambda: False):
        at_once = Stager()
        at_once.add(chunk, {})
        expected = at_once.take()
        assert staged.appointments == expected.appointments == staged_appointments(chunk)
        assert staged.appointment_count == len(chunk)
        assert [a.clinic_code for a in staged.first_with_codes] == [a.clinic_code for a in expected.first_with_codes]


def test_the_reading_thread_is_told_when_the_caller_is_waiting():
    seen = []

    def make(wanted):
        yield [1]
        deadline = time.monotonic() + 5
        while not wanted() and time.monotonic() < deadline:  # hands over only once asked
            time.sleep(0.001)
        seen.append(wanted())
        yield [2]

    ahead = services._ReadAhead(make)
    try:
        assert list(ahead) == [[1], [2]]
    finally:
        ahead.close()
    assert seen == [True]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_first_import_in_small_chunks_checks_its_foreign_keys_by_index(tmp_path, monkeypatch):
    """PostgreSQL plans the foreign-key checks run at each commit once per session: planned on the
    first chunk's few patients, a plan that scans the table would then run for every appointment."""
    from django.db import connection

    connection.close()  # a new session, with no plans kept from earlier tests
    with connection.cursor() as cursor:  # the statistics of an empty table, as after a clean-up
        cursor.execute(f"ANALYZE {Patient._meta.db_table}")
    monkeypatch.setattr(services, "CHUNK_ROWS", 50)
    rows = [row(appointment_id=f"A{n}", patient_id=f"H{n // 5}") for n in range(1000)]

    def patient_scans() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_force_next_flush()")
        with connection.cursor() as cursor:  # the counts as of the statement before
            cursor.execute("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = %s", [Patient._meta.db_table])
            return cursor.fetchone()[0]

    before = patient_scans()
    batch = import_extract(path=write_extract(tmp_path, rows))
    assert batch.rows_created == 1000
    assert patient_scans() - before < 100  # a few a chunk at most, not one an appointment
