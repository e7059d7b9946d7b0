"""The incremental rollup refresh gives exactly the rows a full rebuild gives, night after night.

Each night's imports commit as they do in production (a transaction per chunk), hence
`transaction=True`. The clock margin is zero: the test's writes and builds share one
clock, so any day the refresh misses shows as a difference instead of being recomputed
by chance inside the margin.
"""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from appointments.importing.services import import_extract
from appointments.models import Appointment, Clinic
from patients.models import Patient
from reports import rollup
from reports.models import DnaDailyCount, DnaMonthlyCount, DnaRollupDecile, RollupKind
from reports.rollup import rollup_rebuild, rollup_refresh
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db(transaction=True)

DEPRIVATION = Path(__file__).resolve().parents[2] / "patients" / "fixtures" / "deprivation"
# Postcodes by IMD 2019 decile → IMD 2025 decile (patients/fixtures/deprivation).
STAYS_1, GOES_2_TO_9, GOES_3_TO_2 = "AT1 1AA", "AT1 2BD", "AT2 3DF"
CLINICS = [("RAT01", "RAT01-100", "100"), ("RAT01", "RAT01-110", "110"), ("RAT02", "RAT02-100", "100")]
CODES = ["5", "5", "3", "6", "7", "2", "5", "4", "5", "3"]


class Trust:
    """A PAS as the extracts show it: appointments (n → day of March 2025, code, clinic) and
    patients' postcodes; `extract()` writes all of it, as a nightly extract does."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path, self.nights = tmp_path, 0
        self.postcodes = {f"H{p:02d}": STAYS_1 for p in range(1, 13)} | {"H03": GOES_2_TO_9}
        # 60 appointments over 30 days: outcomes of every kind, a few still unrecorded.
        self.appointments = {
            n: {"day": 1 + n % 30, "code": "" if n % 13 == 0 else CODES[n % len(CODES)], "clinic": n % len(CLINICS)}
            for n in range(60)
        }

    def row(self, n: int) -> dict[str, str]:
        spec, patient = self.appointments[n], f"H{1 + n % 12:02d}"
        site, clinic, specialty = CLINICS[spec["clinic"]]
        return row(
            appointment_id=f"A{n:03d}", patient_id=patient, nhs_number="", postcode=self.postcodes[patient],
            site_code=site, clinic_code=clinic, specialty_code=specialty,
            appointment_start=f"2025-03-{spec['day']:02d}T{9 + n % 8:02d}:15", booked_at="2025-01-06T10:00",
            attendance_code=spec["code"],
        )  # fmt: skip

    def extract(self) -> None:
        self.nights += 1
        path = write_extract(self.tmp_path, [self.row(n) for n in self.appointments], f"night-{self.nights}.csv")
        batch = import_extract(path=path)
        assert (batch.status, batch.rows_rejected) == ("succeeded", 0), batch.message


def _deprivation(imd_file: str, *, refresh: bool = False) -> None:
    call_command(
        "import_deprivation",
        "--postcode-lsoa", str(DEPRIVATION / "ONSPD_FEB_2025_UK_sample.csv"),
        "--lsoa-imd", str(DEPRIVATION / imd_file),
        *(["--refresh-patients"] if refresh else []),
        stdout=StringIO(),
    )  # fmt: skip


def _rows() -> tuple[list, list]:
    columns = ("site_id", "specialty_id", "clinic_id", "imd_decile", "appointments", "dnas")
    daily = DnaDailyCount.objects.values_list("day", *columns)
    monthly = DnaMonthlyCount.objects.values_list("month", *columns)
    return sorted(daily, key=str), sorted(monthly, key=str)


class _Discard(Exception):
    pass


def _rows_of_a_full_rebuild() -> tuple[list, list]:
    """What a full rebuild gives now, rolled back: the next refresh goes on from the refreshed rollup."""
    try:
        with transaction.atomic():
            rollup_rebuild()
            rows = _rows()
            raise _Discard
    except _Discard:
        return rows


def _refreshed_equals_rebuilt() -> int:
    """Refresh incrementally, check it against a full rebuild; returns the days it recomputed."""
    build = rollup_refresh()
    assert build.kind == RollupKind.INCREMENTAL
    assert _rows() == _rows_of_a_full_rebuild()
    assert build.days < DnaDailyCount.objects.values("day").distinct().count()  # it did not recompute everything
    return build.days


@pytest.fixture
def no_clock_margin(monkeypatch):
    monkeypatch.setattr(rollup, "CLOCK_MARGIN", timedelta(0))


@pytest.fixture
def trust(tmp_path, no_clock_margin) -> Trust:
    _deprivation("File_1_IoD2019_Index_of_Multiple_Deprivation.csv")
    trust = Trust(tmp_path)
    trust.extract()
    assert rollup_refresh().kind == RollupKind.FULL  # nothing to refresh from yet
    assert DnaDailyCount.objects.exists()
    return trust


def test_an_incremental_refresh_equals_a_full_rebuild_after_each_nights_imports(trust):
    # Night 2: new appointments, outcomes arriving, a cancellation, moves (one leaving a day
    # nothing else touches), a clinic corrected, and a patient moving house (a new decile).
    trust.appointments |= {
        100: {"day": 24, "code": "5", "clinic": 0},
        101: {"day": 31, "code": "3", "clinic": 1},
        102: {"day": 3, "code": "7", "clinic": 2},
    }
    trust.appointments[13] |= {"code": "3"}  # its outcome arrived
    trust.appointments[26] |= {"code": "5"}  # its outcome arrived
    trust.appointments[1] |= {"code": "2"}  # attended, now recorded as cancelled
    trust.appointments[5] |= {"day": 28}  # moved off day 6
    trust.appointments[10] |= {"day": 12, "code": "3"}  # moved from day 11, and a DNA now
    trust.appointments[4] |= {"clinic": 2}  # the right clinic, the same day
    trust.postcodes["H02"] = GOES_3_TO_2  # decile 1 → 3
    trust.extract()
    assert _refreshed_equals_rebuilt() > 0

    # Night 3: a new IMD and every patient's decile re-derived (which stamps no `updated_at`).
    _deprivation("File_1_IoD2025_Index_of_Multiple_Deprivation.csv", refresh=True)
    assert _refreshed_equals_rebuilt() == 0  # their appointments moved between deciles, no day recomputed

    # Night 4: an appointment deleted by hand, and the same extract again, which changes nothing.
    Appointment.objects.get(pas_id="A016").delete()
    del trust.appointments[16]
    trust.extract()
    assert _refreshed_equals_rebuilt() == 1  # the deleted appointment's day

    assert rollup_refresh().days == 0  # nothing new: nothing recomputed


def test_when_most_patients_change_decile_their_days_are_recomputed_whole(trust, monkeypatch):
    monkeypatch.setattr(rollup, "SHIFT_LIMIT", 0)  # as if a new IMD had moved more patients than the limit
    _deprivation("File_1_IoD2025_Index_of_Multiple_Deprivation.csv", refresh=True)
    assert _refreshed_equals_rebuilt() > 0


def test_a_recorded_decile_the_rollup_does_not_hold_makes_its_days_recomputed_not_negative(trust):
    patient = Patient.objects.get(hospital_number="H03")  # decile 2, and nobody in the trust has decile 7
    DnaRollupDecile.objects.filter(patient_id=patient.pk).update(imd_decile=7)
    assert _refreshed_equals_rebuilt() > 0


def test_the_command_refreshes_what_changed_and_rebuilds_everything_with_full(trust, capsys):
    def run(*arguments: str) -> dict:
        call_command("refresh_report_rollup", *arguments, "--json")
        return json.loads(capsys.readouterr().out.strip().splitlines()[-1])

    trust.appointments[26] |= {"code": "3"}  # one outcome arrives
    trust.extract()
    refreshed = run()
    assert (refreshed["kind"], refreshed["days"]) == ("incremental", 1)
    rebuilt = run("--full")
    assert (rebuilt["kind"], rebuilt["days"], rebuilt["rows"]) == ("full", None, refreshed["rows"])


@pytest.mark.postgres
def test_a_write_still_uncommitted_when_the_rollup_was_built_is_counted_by_the_next_refresh(trust):
    """On PostgreSQL a row's updated_at is when its transaction began, which can be before a
    build that could not yet see it: the next refresh must still look back to it."""
    moved = Appointment.objects.happened().order_by("pk").first()
    other_clinic = Clinic.objects.exclude(pk=moved.clinic_id).first()
    written, build_done = threading.Event(), threading.Event()

    def import_chunk_in_flight() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                # As the set-based importer writes: stamped now(), the start of its transaction.
                cursor.execute(
                    "UPDATE appointments_appointment SET clinic_id = %s, site_id = %s, specialty_id = %s, "
                    "updated_at = now() WHERE id = %s",
                    [other_clinic.pk, other_clinic.site_id, other_clinic.specialty_id, moved.pk],
                )
                written.set()
                build_done.wait(timeout=30)
        finally:
            connection.close()

    chunk = threading.Thread(target=import_chunk_in_flight)
    chunk.start()
    assert written.wait(timeout=30)
    rollup_refresh()  # cannot see the uncommitted clinic change
    build_done.set()
    chunk.join(timeout=30)
    assert _refreshed_equals_rebuilt() >= 1
