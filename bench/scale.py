"""A trust ten times larger, on one machine: the nightly run's steps over N appointments.

    python -m bench scale --appointments 10000000   # a collaborative: ~10 years of a large trust
    python -m bench scale --appointments 1000000    # what a 2-core machine does in minutes

Needs DATABASE_URL=postgres://… naming a database of its own (e.g. `createdb bench_scale`):
it adds N appointments (pas_id SCALE-…), their patients and synthetic deprivation areas,
and removes them afterwards unless --keep. Prints, each timed once:

- setup (for the record, not the night): writing a synthetic extract of N appointments over
  the last two years and the next eight weeks, and Attend's first import of it;
- training on the last two years (the table read from the database, then the candidates
  fitted against the baselines), and scoring the upcoming six weeks with the trained model;
- the full rollup rebuild (`refresh_report_rollup --full`), as the night before left it;
- the night: the next extract — the same rows with 2% changed (outcomes arrived for the
  last days, appointments moved and cancelled, a few of the last month's codes corrected),
  a day of new bookings, and one patient in 3,650 moved house — imported by Attend; then
  the rollup brought up to date incrementally (with how long each of its three rules for
  "touched days" took to read) and, for comparison, rebuilt in full: the two must give
  identical rows;
- the dashboard's queries (the start page's rates, gaps and monthly series), p50 and p95;
- table and index sizes.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from django.db import connection
from django.utils import timezone

from bench.import_extract import HEADER, peak_mb
from bench.reports import _percentile, _timed

PREFIX = "SCALE"
LSOA_PREFIX = "E018"  # unused by ONS (2011 and 2021 LSOAs stop near E01036000), and not the demo's E019
BLOCK = 100_000
PAST_DAYS, FUTURE_DAYS = 730, 56
CHANGED_SHARE = 0.02
MOVERS_SHARE = 0.1 / 365
TABLES = (
    "appointments_appointment", "patients_patient", "appointments_riskscore", "outreach_dnadailycount",
    "outreach_dnamonthlycount", "reports_dnarollupdecile",
)  # fmt: skip


class Extract:
    """A synthetic trust's extract, generated block by block from fixed seeds, so the next night's
    file is this one again with its changes, and memory stays flat at any size."""

    def __init__(self, appointments: int, today: datetime, seed: int = 21) -> None:
        from demo.synthetic import SITES, SPECIALTIES

        self.appointments, self.seed = appointments, seed
        self.start = today - timedelta(days=PAST_DAYS)  # naive: extracts give local time without an offset
        self.patients = max(1, appointments // 5)
        rng = np.random.default_rng(seed)
        n = self.patients
        self.born = [(date(1935, 1, 1) + timedelta(days=int(d))).isoformat() for d in rng.integers(0, 32000, n)]
        self.sex = rng.choice(["F", "M", "X", "U"], n, p=[0.54, 0.452, 0.003, 0.005])
        self.ethnicity = rng.choice(["A", "B", "C", "H", "J", "K", "M", "N", "S", "Z", ""], n)
        self.postcode_of = rng.integers(0, len(postcodes()), n)
        self.phone = [f"07700 900{k:03d}" if k < 900 else "" for k in rng.integers(0, 1000, n)]
        self.language = rng.choice(["en"] * 17 + ["pl", "ur", "pa"], n)
        self.clinics = [(site, f"{site}-{tfc}", tfc) for site, *_ in SITES for tfc, *_ in SPECIALTIES]

    def _block(self, first: int, size: int, night: int) -> dict[str, np.ndarray]:
        rng = np.random.default_rng([self.seed, first])
        span = (PAST_DAYS + FUTURE_DAYS) * 1440
        block = {
            "patient": rng.integers(0, self.patients, size),
            "clinic": rng.integers(0, len(self.clinics), size),
            # minutes from the first day's midnight; clinics run 08:30–16:45 in 15-minute slots
            "starts": rng.integers(0, span // 1440, size) * 1440 + 510 + rng.integers(0, 34, size) * 15,
            "lead": rng.integers(1, 120, size) * 1440 + rng.integers(0, 600, size),
            "code": rng.choice(["5"] * 6 + ["6", "3", "7", "2", "4"], size),
            "kind": rng.choice(["first", "follow_up"], size),
            "medium": rng.choice(["face_to_face"] * 8 + ["telephone", "video"], size),
        }
        now = self._midnight(night)
        past = block["starts"] < now
        recent = past & (block["starts"] >= now - 3 * 1440)
        block["code"] = np.where(past, block["code"], "")
        # Outcomes of the last three days are mostly not recorded yet.
        block["code"] = np.where(recent & (rng.random(size) < 0.6), "", block["code"])
        if night:
            self._change(block, np.random.default_rng([self.seed, first, night]), now)
        return block

    def _change(self, block: dict[str, np.ndarray], rng: np.random.Generator, now: int) -> None:
        """The night's 2%: outcomes for the last days' appointments first, then moves and cancellations of
        upcoming ones, and corrections to the last month's outcomes."""
        size = len(block["code"])
        open_past = np.flatnonzero((block["starts"] < now) & (block["code"] == ""))
        future = np.flatnonzero(block["starts"] >= now)
        # Corrections are to the last month's records (a PAS's clean-up runs weeks, not years, behind).
        happened = np.flatnonzero(np.isin(block["code"], ["5", "6", "3", "7"]) & (block["starts"] >= now - 30 * 1440))
        budget = int(size * CHANGED_SHARE)
        outcomes = open_past[: budget // 2]
        block["code"][outcomes] = rng.choice(["5"] * 7 + ["6", "3", "7"], len(outcomes))
        rest = budget - len(outcomes)
        moved = rng.choice(future, min(len(future), rest * 4 // 10), replace=False)
        block["starts"][moved] += rng.integers(1, 15, len(moved)) * 1440
        staying = np.setdiff1d(future, moved)
        cancelled = rng.choice(staying, min(len(staying), rest * 4 // 10), replace=False)
        block["code"][cancelled] = rng.choice(["2", "4"], len(cancelled))
        corrected = rng.choice(happened, min(len(happened), rest - len(moved) - len(cancelled)), replace=False)
        block["code"][corrected] = np.where(block["code"][corrected] == "3", "7", "3")

    def _postcodes_on(self, night: int) -> np.ndarray:
        """Each patient's postcode on `night`: about 1 in 3,000 patients move house each night (10% a year)."""
        where = self.postcode_of.copy()
        for n in range(1, night + 1):
            rng = np.random.default_rng([self.seed, n, 3])
            movers = rng.choice(self.patients, max(1, round(self.patients * MOVERS_SHARE)), replace=False)
            where[movers] = rng.integers(0, len(postcodes()), len(movers))
        return where

    def _rows(self, first: int, block: dict[str, np.ndarray], prefix: str, where: np.ndarray) -> Iterator[tuple]:
        places = postcodes()
        for i in range(len(block["code"])):
            p = int(block["patient"][i])
            site, clinic, tfc = self.clinics[block["clinic"][i]]
            starts = self.start + timedelta(minutes=int(block["starts"][i]))
            booked = starts - timedelta(minutes=int(block["lead"][i]))
            yield (
                f"{prefix}-A{first + i:09d}", f"{PREFIX}{p:07d}", "", self.born[p], self.sex[p], self.ethnicity[p],
                places[where[p]], self.phone[p], self.language[p], "N", site, clinic, tfc,
                starts.isoformat(timespec="minutes"), booked.isoformat(timespec="minutes"),
                block["kind"][i], block["medium"][i], block["code"][i],
            )  # fmt: skip

    def write(self, path: Path, *, night: int = 0) -> int:
        """The extract on `night` (0: the first), with a day of new bookings per night since; returns its rows."""
        written, where = 0, self._postcodes_on(night)
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADER)
            for first in range(0, self.appointments, BLOCK):
                size = min(BLOCK, self.appointments - first)
                writer.writerows(self._rows(first, self._block(first, size, night), PREFIX, where))
                written += size
            for n in range(1, night + 1):
                bookings = self._bookings(n)
                writer.writerows(self._rows(0, bookings, f"{PREFIX}-N{n}", where))
                written += len(bookings["code"])
        return written

    @staticmethod
    def _midnight(night: int) -> int:
        """When night `night`'s extract is taken, in minutes from the first day: the first (0) at
        yesterday's midnight, the next (1) at today's, so no outcome lies in the real future."""
        return (PAST_DAYS - 1 + night) * 1440

    def _bookings(self, night: int) -> dict[str, np.ndarray]:
        """A day's new bookings (one day's share of the appointments), booked in the evening before
        the night's extract, for tomorrow to eight weeks out."""
        size = max(1, self.appointments // (PAST_DAYS + FUTURE_DAYS))
        rng = np.random.default_rng([self.seed, night, 7])
        tomorrow = self._midnight(night) + 1440
        starts = tomorrow + rng.integers(0, FUTURE_DAYS, size) * 1440 + 510 + rng.integers(0, 34, size) * 15
        return {
            "patient": rng.integers(0, self.patients, size),
            "clinic": rng.integers(0, len(self.clinics), size),
            "starts": starts,
            "lead": starts - self._midnight(night) + rng.integers(60, 600, size),
            "code": np.array([""] * size),
            "kind": rng.choice(["first", "follow_up"], size),
            "medium": rng.choice(["face_to_face"] * 8 + ["telephone", "video"], size),
        }


def postcodes() -> list[str]:
    """2,000 synthetic postcodes in 200 areas (ten per IMD decile and district)."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return [f"SC{d} {u % 9 + 1}{letters[u % 20]}{letters[u // 20]}" for d in range(1, 21) for u in range(100)]


def load_areas() -> None:
    """Each synthetic postcode's area and the area's IMD 2025 decile, through Attend's reference loader."""
    from patients.deprivation.readers import LsoaImdRow, PostcodeLsoaRow
    from patients.deprivation.services import load_reference_rows
    from patients.identifiers import postcode_key

    places = postcodes()
    lsoa = [f"{LSOA_PREFIX}{n // 10:05d}" for n in range(len(places))]
    areas = sorted(set(lsoa))
    load_reference_rows(
        vintage="IMD2025",
        postcode_lsoas=[PostcodeLsoaRow(postcode_key(p), 2021, code) for p, code in zip(places, lsoa, strict=True)],
        lsoa_imds=[
            LsoaImdRow(code, 1 + n * 33_000 // len(areas), 1 + n * 10 // len(areas)) for n, code in enumerate(areas)
        ],
    )


def clean_up() -> None:
    from appointments.importing.models import ImportBatch
    from patients.deprivation.models import LsoaDeprivation, PostcodeLsoa

    with connection.cursor() as cursor:  # plain DELETEs: Django's cascade would fetch millions of rows first
        cursor.execute(
            "DELETE FROM appointments_riskscore WHERE appointment_id IN "
            "(SELECT id FROM appointments_appointment WHERE pas_id LIKE %s)",
            [PREFIX + "-%"],
        )
        cursor.execute("DELETE FROM appointments_appointment WHERE pas_id LIKE %s", [PREFIX + "-%"])
        cursor.execute("DELETE FROM patients_patient WHERE hospital_number LIKE %s", [PREFIX + "%"])
    ImportBatch.objects.filter(file_name__startswith="scale-").delete()
    PostcodeLsoa.objects.filter(lsoa_code__startswith=LSOA_PREFIX).delete()
    LsoaDeprivation.objects.filter(lsoa_code__startswith=LSOA_PREFIX).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE appointments_appointment, patients_patient, appointments_riskscore")


def _seconds(step: Callable[[], object]) -> tuple[float, object]:
    started = time.perf_counter()
    result = step()
    return time.perf_counter() - started, result


def _import(path: Path):
    from appointments.importing.services import import_extract

    seconds, batch = _seconds(lambda: import_extract(path=path))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE appointments_appointment, patients_patient")
    return seconds, batch


def _shifted_days() -> set:
    from reports import rollup

    changes = rollup._decile_changes()
    if changes is None:
        return rollup._recounted_days()
    return {day for day, *_ in rollup._decile_shifts(changes)} if changes else set()


def _rollup_snapshot() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS scale_refreshed")
        cursor.execute("CREATE TEMPORARY TABLE scale_refreshed AS SELECT * FROM outreach_dnadailycount")


def _rows_differing_from_snapshot() -> int:
    columns = "day, site_id, specialty_id, clinic_id, imd_decile, appointments, dnas"
    with connection.cursor() as cursor:
        cursor.execute(f"""
            SELECT count(*) FROM (
                (SELECT {columns} FROM outreach_dnadailycount EXCEPT ALL SELECT {columns} FROM scale_refreshed)
                UNION ALL
                (SELECT {columns} FROM scale_refreshed EXCEPT ALL SELECT {columns} FROM outreach_dnadailycount)
            ) AS differing
        """)
        return cursor.fetchone()[0]


def _sizes() -> list[tuple[str, int, int, int]]:
    """Each table's rows, and its size and its indexes' after a VACUUM (without the dead rows of the
    rebuilds just run, which autovacuum would reclaim for reuse)."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(TABLES)}")
        cursor.execute(
            """
            SELECT c.relname, c.reltuples::bigint, pg_table_size(c.oid), pg_indexes_size(c.oid)
            FROM pg_class c WHERE c.relname = ANY(%s) ORDER BY pg_total_relation_size(c.oid) DESC
            """,
            [list(TABLES)],
        )
        return cursor.fetchall()


def train_and_score(now: datetime) -> None:
    from appointments.models import Appointment
    from risk.presenters import RiskModelPresenter
    from risk.registry import activate_model, register_model
    from risk.scoring import score_upcoming
    from risk.table import table_from_queryset
    from risk.training import train_model

    two_years = Appointment.objects.filter(starts_at__gte=now - timedelta(days=PAST_DAYS), starts_at__lt=now)
    read, table = _seconds(lambda: table_from_queryset(two_years))
    fit, result = _seconds(lambda: train_model(table, as_of=now))
    print(
        f"training on the last two years: {len(table):,} appointments read in {read:.1f} s, "
        f"candidates fitted in {fit:.1f} s (chosen: {result.metrics.get('selection', {}).get('winner')}; "
        f"peak memory {peak_mb():,.0f} MB)",
        flush=True,
    )
    model = register_model(result=result)
    if sample := RiskModelPresenter(model).sample:  # above ATTEND_RISK_MAX_FIT_ROWS
        print(f"  {sample}", flush=True)
    activate_model(model=model)
    seconds, summary = _seconds(lambda: score_upcoming(days=42, now=now))
    print(f"scoring the next six weeks: {summary.appointments:,} appointments in {seconds:.1f} s", flush=True)


def dashboard(runs: int) -> None:
    from reports.selectors import dna_gap, dna_rates, monthly_gaps

    today = timezone.localdate()
    queries = (
        ("rates by IMD quintile", lambda: dna_rates("imd_quintile")),
        ("the gap by month (SPC)", lambda: monthly_gaps(target_points=None)),
        ("the DNA rate by month (SPC)", lambda: dna_rates("month")),
        ("the gap by specialty", lambda: dna_gap("specialty")),
        ("rates by quintile, one site, 90 days", lambda: dna_rates(
            "imd_quintile", site="RAT01", date_from=today - timedelta(days=90), date_to=today
        )),
    )  # fmt: skip
    everything = []
    for name, query in queries:
        times = _timed(query, runs)
        everything += times
        print(f"dashboard: {name}: p50 {statistics.median(times):.0f} ms, p95 {_percentile(times, 0.95):.0f} ms")
    print(f"dashboard, all its queries: p95 {_percentile(everything, 0.95):.0f} ms over {len(everything)} runs")


def main(argv: list[str]) -> None:
    from reports import rollup
    from reports.rollup import rollup_rebuild, rollup_refresh
    from risk.registry import activate_model, active_model
    from risk.scoring import score_upcoming

    parser = argparse.ArgumentParser(prog="python -m bench scale")
    parser.add_argument("--appointments", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=20, help="Timed runs of each dashboard query.")
    parser.add_argument("--keep", action="store_true", help="Keep the rows afterwards.")
    args = parser.parse_args(argv)

    previous_model = active_model()
    today = datetime.combine(timezone.localdate(), datetime.min.time())
    extract = Extract(args.appointments, today)
    clean_up()
    load_areas()
    try:
        with tempfile.TemporaryDirectory() as directory:
            first, night = Path(directory) / "scale-1.csv", Path(directory) / "scale-2.csv"
            seconds, rows = _seconds(lambda: extract.write(first))
            print(
                f"setup: extract of {rows:,} appointments ({first.stat().st_size / 2**20:,.0f} MB) in {seconds:.1f} s"
            )
            seconds, batch = _import(first)
            print(f"setup: first import {seconds:.1f} s ({batch.rows_created:,} appointments, "
                  f"{batch.patients_created:,} patients, {batch.rows_rejected:,} rejected)", flush=True)  # fmt: skip
            imported = time.monotonic()
            train_and_score(timezone.now())
            # The night before's build, made after its import had committed (and past the clock margin).
            time.sleep(max(0.0, rollup.CLOCK_MARGIN.total_seconds() - (time.monotonic() - imported)))
            build = rollup_rebuild()
            print(f"rollup, full rebuild: {build.seconds:.1f} s ({build.rows:,} daily rows)", flush=True)

            seconds, rows = _seconds(lambda: extract.write(night, night=1))
            seconds, batch = _import(night)
            print(
                f"nightly import: {seconds:.1f} s for {rows:,} rows ({batch.rows_created:,} new, "
                f"{batch.rows_updated:,} changed, {batch.rows_unchanged:,} unchanged, {batch.rows_rejected:,} "
                f"rejected)",
                flush=True,
            )
        since = build.changes_from
        for name, rule in (
            ("written since the last build", lambda: rollup._written_days(since)),
            ("patients with another decile (moved, not recomputed)", _shifted_days),
            ("totals that disagree", rollup._disagreeing_days),
        ):
            seconds, days = _seconds(rule)
            print(f"  touched days, {name}: {len(days):,} days, read in {seconds:.1f} s")
        refreshed = rollup_refresh()
        print(f"rollup, incremental refresh: {refreshed.seconds:.1f} s ({refreshed.kind}, {refreshed.days} days)")
        _rollup_snapshot()
        full = rollup_rebuild()
        differing = _rows_differing_from_snapshot()
        print(
            f"rollup, full rebuild for comparison: {full.seconds:.1f} s; rows differing from the refresh: "
            f"{differing} ({'identical' if differing == 0 else 'NOT identical'})",
            flush=True,
        )
        dashboard(args.runs)
        for name, rows, table, indexes in _sizes():
            print(f"size: {name}: {rows:,} rows, table {table / 2**20:,.0f} MB, indexes {indexes / 2**20:,.0f} MB")
    finally:
        if not args.keep:
            clean_up()
            rollup_rebuild()  # the reports' rollup without the benchmark's rows
            if previous_model is not None:
                activate_model(model=previous_model)
                score_upcoming()
