"""Imports that span several chunks (read one chunk ahead in a thread) and a write that fails part-way."""

import threading

import pytest

from appointments.importing import services
from appointments.importing.models import ImportStatus
from appointments.importing.services import import_extract
from appointments.importing.writing import BatchWriter
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
