"""Benchmark: the DNA-rate-by-quintile report and the gap over 5,000,000 appointments.

Loads synthetic rows straight into PostgreSQL with INSERT … SELECT generate_series (the
patients and appointments carry a BENCH prefix, and are kept for the next run unless
--drop), then times `dna_rates(by="imd_quintile")` and `dna_gap()` over repeated runs and
prints p50/p95 — from the reports' rollup (what the dashboard reads, rebuilt after each
nightly import; the rebuild time is printed too) and, for comparison, from the live join of
appointments to patients. Target: p95 under 300 ms.

    python -m bench reports                 # 5,000,000 appointments, 20 timed runs each
    (main(["--appointments", "1000000", "--runs", "10"]) for other sizes)
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta

from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from appointments.models import Clinic, Site, Specialty
from reports.rollup import rollup_rebuild
from reports.selectors import dna_gap, dna_rates

PREFIX = "BENCH"
TARGET_P95_MS = 300


def _clinics() -> list[int]:
    """25 clinics: 10 specialties over 3 sites, about the size of the synthetic trust."""
    sites = [
        Site.objects.get_or_create(ods_code=f"BEN0{n}", defaults={"name": f"Benchmark Hospital {n}"})[0]
        for n in range(3)
    ]
    ids = []
    for n in range(25):
        specialty, _ = Specialty.objects.get_or_create(
            treatment_function_code=f"9{n % 10:02d}", defaults={"name": f"Benchmark specialty {n % 10}"}
        )
        clinic, _ = Clinic.objects.get_or_create(
            code=f"BENCH-{n}",
            defaults={"name": f"Benchmark clinic {n}", "site": sites[n % 3], "specialty": specialty},
        )
        ids.append(clinic.pk)
    return ids


def _loaded() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM appointments_appointment WHERE pas_id LIKE %s", [PREFIX + "%"])
        return cursor.fetchone()[0]


def drop() -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM appointments_appointment WHERE pas_id LIKE %s", [PREFIX + "%"])
        cursor.execute("DELETE FROM patients_patient WHERE hospital_number LIKE %s", [PREFIX + "%"])


@transaction.atomic
def load(appointments: int) -> None:
    """Patients in deciles 1–10 (one in ten per decile), five appointments each on average over two
    years, outcomes from a DNA probability that rises with deprivation; cancellations as in life."""
    clinic_ids = _clinics()
    patients = max(1, appointments // 5)
    with connection.cursor() as cursor:
        # Django's foreign keys are deferred: checking 20 million references at COMMIT takes minutes.
        # The rows below reference only ids just read or created, so a superuser load skips the checks.
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            """
            INSERT INTO patients_patient (hospital_number, nhs_number, given_name, family_name, date_of_birth,
                sex, ethnic_category, postcode, lsoa_code, imd_decile, imd_vintage, mobile, mobile_unusable,
                preferred_language, interpreter_required, sms_opt_out, created_at, updated_at)
            SELECT %s::text || g, '', '', '', DATE '1940-01-01' + (g::bigint * 7919 %% 29000)::int,
                (ARRAY['F','M','X','U'])[1 + g %% 4], (ARRAY['A','C','H','J','N','Z'])[1 + g %% 6], '', '',
                1 + g %% 10, 'IMD2019', '', false, 'en', false, false, now(), now()
            FROM generate_series(0, %s - 1) AS g
            """,
            [PREFIX, patients],
        )
        cursor.execute("SELECT min(id) FROM patients_patient WHERE hospital_number LIKE %s", [PREFIX + "%"])
        first_patient = cursor.fetchone()[0]
        # Maintaining nine indexes row by row over 5M random dates takes far longer than building
        # them afterwards: set the plain ones aside (constraints stay) and rebuild them as they were.
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = 'appointments_appointment'
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
            """
        )
        plain_indexes = cursor.fetchall()
        for name, _ in plain_indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            """
            INSERT INTO appointments_appointment (pas_id, patient_id, site_id, specialty_id, clinic_id, starts_at,
                booked_at, appointment_type, medium, attendance_code, created_at, updated_at)
            SELECT %s::text || '-' || s.g, %s + s.g %% %s, c.site_id, c.specialty_id, c.id, s.starts,
                s.starts - interval '30 days', 'follow_up', 'face_to_face',
                CASE WHEN s.cancel < 0.06 THEN 2 WHEN s.cancel < 0.11 THEN 4
                     WHEN s.dna < 0.045 + 0.006 * (10 - (1 + (s.g %% %s) %% 10)) THEN 3 ELSE 5 END,
                now(), now()
            FROM (
                -- random() in this select list is drawn afresh for every row
                SELECT g, random() AS cancel, random() AS dna, now() - random() * interval '730 days' AS starts
                FROM generate_series(0, %s - 1) AS g
            ) AS s
            JOIN appointments_clinic c ON c.id = (%s::int[])[1 + (s.g / 10) %% %s]  -- independent of the decile
            """,
            [PREFIX, first_patient, patients, patients, appointments, clinic_ids, len(clinic_ids)],
        )
        for _, definition in plain_indexes:
            cursor.execute(definition)
        cursor.execute("ANALYZE patients_patient")
        cursor.execute("ANALYZE appointments_appointment")


def _days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def _timed(fn, runs: int) -> list[float]:
    fn()  # warm the cache once
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(1000 * (time.perf_counter() - start))
    return times


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench reports")
    parser.add_argument("--appointments", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--live-runs", type=int, default=5, help="Runs of the (slow) live join for comparison.")
    parser.add_argument("--reload", action="store_true", help="Load fresh rows even if enough are there.")
    parser.add_argument("--drop", action="store_true", help="Delete the benchmark rows afterwards.")
    args = parser.parse_args(argv)
    total = _loaded()
    if total != args.appointments or args.reload:
        drop()
        start = time.perf_counter()
        load(args.appointments)
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE appointments_appointment")  # index-only scans need the visibility map
        print(f"loaded {args.appointments:,} appointments in {time.perf_counter() - start:.1f} s")
        total = _loaded()
    print(f"appointments in the database: {total:,} benchmark rows")
    build = rollup_rebuild()
    print(f"rollup rebuilt: {build.rows:,} rows in {build.seconds:.1f} s")
    reports = (
        ("dna_rates(by='imd_quintile')", lambda: dna_rates("imd_quintile")),
        ("dna_gap()", lambda: dna_gap(target_points=2)),
        ("dna_gap(by='specialty')", lambda: dna_gap("specialty", target_points=2)),
        (
            "dna_rates(by='imd_quintile', a 180-day period, not whole months)",
            lambda: dna_rates("imd_quintile", date_from=_days_ago(540), date_to=_days_ago(360)),
        ),
    )
    for source, use_rollup in (("rollup", True), ("live join", False)):
        with override_settings(ATTEND_REPORTS_USE_ROLLUP=use_rollup):
            for name, report in reports:
                runs = args.runs if use_rollup else min(args.runs, args.live_runs)
                times = _timed(report, runs)
                p50, p95 = statistics.median(times), _percentile(times, 0.95)
                verdict = "meets" if p95 < TARGET_P95_MS else "MISSES"
                print(
                    f"[{source}] {name}: p50 {p50:.0f} ms, p95 {p95:.0f} ms over {runs} runs "
                    f"({verdict} p95 < {TARGET_P95_MS} ms)"
                )
    if args.drop:
        drop()
