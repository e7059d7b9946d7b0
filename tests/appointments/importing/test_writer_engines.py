"""The importer's two writers agree: the set-based PostgreSQL writer (COPY, INSERT … SELECT with
the deprivation rule's SQL twin) and the portable ORM writer (SQLite, and anywhere else) leave
the same patients and appointments, count the same, and announce the same changes, for a first
import and for a later extract that cancels, moves, records outcomes and changes patients.

Both run on PostgreSQL (CI); on SQLite only the portable writer exists, and the comparison skips.
"""

import pytest
from django.db import transaction

from appointments.changes import AppointmentChanges
from appointments.importing import services, writing, writing_postgres
from appointments.importing.services import import_extract
from appointments.importing.writing import BatchWriter
from appointments.importing.writing_postgres import PostgresBatchWriter
from appointments.models import Appointment
from patients.models import Patient
from tests.appointments.importing.extracts import row, write_extract

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

PATIENT_FIELDS = (
    "hospital_number", "nhs_number", "date_of_birth", "sex", "ethnic_category", "postcode", "lsoa_code",
    "imd_decile", "imd_vintage", "mobile", "mobile_unusable", "other_phone", "preferred_language",
    "interpreter_required",
)  # fmt: skip
APPOINTMENT_FIELDS = (
    "pas_id", "patient__hospital_number", "site__ods_code", "specialty__treatment_function_code", "clinic__code",
    "starts_at", "booked_at", "appointment_type", "medium", "attendance_code",
)  # fmt: skip
BATCH_FIELDS = (
    "status", "rows_read", "rows_rejected", "rows_created", "rows_updated", "rows_unchanged", "patients_created",
    "patients_updated", "unmatched_postcodes", "unmatched_postcode_examples",
)  # fmt: skip


def _first_extract() -> list[dict]:
    return [
        row(appointment_id="A1", patient_id="H1", postcode="AT1 2BD"),  # decile 2 in IMD 2019, 9 in IMD 2025
        row(appointment_id="A2", patient_id="H1", postcode="AT1 2BD", appointment_start="2030-12-09T11:00"),
        row(appointment_id="A3", patient_id="H2", postcode="ZZ9 9ZZ", phone="07700 900456"),  # not found
        row(appointment_id="A4", patient_id="H3", postcode="", nhs_number="", phone="020 7946 0123"),  # landline
        row(appointment_id="A5", patient_id="H4", postcode="at1 1aa", appointment_start="2030-12-03T23:30"),
        row(appointment_id="A6", patient_id="H4", postcode="at1 1aa", appointment_start="2030-12-04T08:00"),
    ]


def _later_extract() -> list[dict]:
    rows = _first_extract()
    rows[0]["attendance_code"] = "2"  # cancelled by the patient
    rows[1]["appointment_start"] = "2030-12-10T14:00"  # moved
    rows[2]["phone"] = "07700 900789"  # a new number: the "cannot receive SMS" verdict lapses
    rows[3]["phone"] = ""  # the landline gone from the PAS
    rows[4]["attendance_code"] = "3"  # did not attend
    rows[5]["postcode"] = "AT1 2BE"  # moved house
    return [*rows, row(appointment_id="A7", patient_id="H5", postcode="AT1 2BD")]


def _run(writer_class: type[BatchWriter], tmp_path, monkeypatch) -> dict:
    """Both extracts through `writer_class`, in a transaction rolled back after: what it left and said."""
    announced: list[dict] = []

    def record(changes: AppointmentChanges):
        pas_ids = dict(Appointment.objects.values_list("id", "pas_id"))
        announced.append({kind: sorted(pas_ids[i] for i in getattr(changes, f"{kind}_ids")) for kind in
                          ("cancelled", "moved", "happened")})  # fmt: skip
        return {}

    monkeypatch.setattr(services, "writer_for", lambda columns: writer_class(columns_present=columns))
    monkeypatch.setattr(writing, "announce_appointments_changed", record)
    monkeypatch.setattr(writing_postgres, "announce_appointments_changed", record)
    with transaction.atomic():
        first = import_extract(path=write_extract(tmp_path, _first_extract(), name="first.csv"))
        Patient.objects.filter(hospital_number="H2").update(mobile_unusable=True)
        Patient.objects.filter(hospital_number="H4").update(mobile_unusable=True)
        later = import_extract(path=write_extract(tmp_path, _later_extract(), name="later.csv"))
        result = {
            "batches": [{name: getattr(batch, name) for name in BATCH_FIELDS} for batch in (first, later)],
            "patients": list(Patient.objects.order_by("hospital_number").values(*PATIENT_FIELDS)),
            "appointments": list(Appointment.objects.order_by("pas_id").values(*APPOINTMENT_FIELDS)),
            "announced": [a for a in announced if any(a.values())],
        }
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("vintage", ["IMD2019", "IMD2025"])
def test_both_import_writers_leave_the_same_rows_and_counts_and_announce_the_same_changes(
    deprivation_tables, tmp_path, monkeypatch, settings, vintage
):
    settings.ATTEND_IMD_VINTAGE = vintage
    portable = _run(BatchWriter, tmp_path, monkeypatch)
    assert _run(PostgresBatchWriter, tmp_path, monkeypatch) == portable
    # The extracts exercise what the writers must agree on.
    deciles = {p["hospital_number"]: p["imd_decile"] for p in portable["patients"]}
    assert deciles["H1"] == {"IMD2019": 2, "IMD2025": 9}[vintage] and deciles["H2"] is None
    assert portable["announced"] == [{"cancelled": ["A1"], "moved": ["A2"], "happened": ["A5"]}]
    assert [p["other_phone"] for p in portable["patients"] if p["hospital_number"] == "H3"] == [""]
    assert [p["mobile_unusable"] for p in portable["patients"] if p["hospital_number"] in ("H2", "H4")] == [
        False,
        True,
    ]


@pytest.mark.postgres
def test_the_stage_holds_each_value_as_given_whatever_characters_it_has():
    """The reading thread writes the chunk's COPY text itself (writing_postgres.staged_appointments):
    a backslash, tab, newline or carriage return in a value must reach the stage as it was."""
    from dataclasses import replace
    from datetime import UTC, datetime

    from django.db import connection

    from appointments.importing.validation import AppointmentValues

    if connection.vendor != "postgresql":
        pytest.skip("the COPY stage is PostgreSQL's")
    plain = AppointmentValues(
        pas_id="A1", hospital_number="H1", site_code="RAT01", clinic_code="RAT01-100", specialty_code="100",
        starts_at=datetime(2030, 12, 2, 9, 30, tzinfo=UTC), booked_at=None, appointment_type="first",
        medium="face_to_face", attendance_code=0,
    )  # fmt: skip
    odd = replace(plain, pas_id="A\\2\t", hospital_number="H\n2", clinic_code="C\r1\\N", age_at_appointment=7)
    staged = writing_postgres.staged_appointments([(plain, None), (odd, None)], {"A1": ("0" * 32, "a\tb")})
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(writing_postgres.STAGE_TABLES)
        cursor.execute(f"TRUNCATE {writing_postgres.APPOINTMENT_STAGE}")
        columns = ", ".join(writing_postgres.APPOINTMENT_STAGE_COLUMNS)
        with cursor.cursor.copy(f"COPY {writing_postgres.APPOINTMENT_STAGE} ({columns}) FROM STDIN") as copy:
            copy.write(staged)
        stage = writing_postgres.APPOINTMENT_STAGE
        read = "pas_id, hospital_number, clinic_code, starts_at, booked_at, age_at_appointment, digest::text, rules"
        cursor.execute(f"SELECT {read} FROM {stage} ORDER BY pas_id")  # noqa: S608 (the module's stage table)
        rows = cursor.fetchall()
    assert rows == [
        ("A1", "H1", "RAT01-100", plain.starts_at, None, None, "00000000-0000-0000-0000-000000000000", "a\tb"),
        ("A\\2\t", "H\n2", "C\r1\\N", plain.starts_at, None, 7, None, None),
    ]
