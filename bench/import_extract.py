"""Extract import speed and memory, against the floor (raw COPY) and a naive app.

    python -m bench import_extract            # 1,000,000 rows (needs DATABASE_URL=postgres://…)
    python -m bench import_extract --rows 200000

Writes a synthetic extract (the DESIGN.md columns, ~5 appointments per patient,
invented postcodes/phones/NHS numbers in the test ranges), then in one run on
PostgreSQL prints:

- Attend's import of the file (validation, patients, appointments, ImportBatch), and
  its re-import (a nightly extract mostly repeats the last one: nothing unchanged is
  rewritten);
- a raw `COPY` of the same file into a bare table of text columns (the floor);
- the SQL write floor: the same rows turned into patients and appointments by SQL
  alone (COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT per
  table, and the commit that checks the foreign keys), with no validation and no
  deprivation lookup: what writing into Attend's indexed, constrained tables costs
  any importer, however it validates;
- per-row ORM saves (update_or_create for the patient and the appointment, as a
  naive Django app would) on a sample, scaled up to the file's rows;
- the process's peak memory (ru_maxrss).

Targets: within 3× of COPY, at least 20× faster than per-row saves, peak memory
under 1 GB. Everything it writes is removed afterwards (rows prefixed BENCH).
"""

from __future__ import annotations

import argparse
import csv
import resource
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

HEADER = [
    "appointment_id", "patient_id", "nhs_number", "date_of_birth", "sex", "ethnicity", "postcode", "phone",
    "language", "interpreter_required", "site_code", "clinic_code", "specialty_code", "appointment_start",
    "booked_at", "appointment_type", "medium", "attendance_code",
]  # fmt: skip
PREFIX = "BENCH"
TARGET_COPY_RATIO = 3.0
TARGET_NAIVE_SPEEDUP = 20.0
TARGET_PEAK_MB = 1024


def write_extract(path: Path, rows: int, seed: int = 3) -> None:
    """A synthetic extract of `rows` appointments, generated in blocks so memory stays flat."""
    from demo.synthetic import SITES, SPECIALTIES
    from patients.identifiers import synthetic_nhs_number

    rng = np.random.default_rng(seed)
    patients = max(1, rows // 5)
    nhs = [synthetic_nhs_number(n * 7 + 3) for n in range(patients)]
    born = [(date(1935, 1, 1) + timedelta(days=int(d))).isoformat() for d in rng.integers(0, 32000, patients)]
    sex = rng.choice(["F", "M", "X", "U"], patients, p=[0.54, 0.452, 0.003, 0.005])
    eth = rng.choice(["A", "B", "C", "H", "J", "K", "M", "N", "S", "Z", ""], patients)
    districts = rng.integers(1, 21, patients)
    units = rng.integers(0, 400, patients)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcode = [
        f"AT{d} {u % 9 + 1}{letters[u % 20]}{letters[(u // 20) % 20]}" for d, u in zip(districts, units, strict=True)
    ]
    phone = [f"07700 900{n:03d}" if n < 900 else "" for n in rng.integers(0, 1000, patients)]
    language = rng.choice(["en"] * 17 + ["pl", "ur", "pa"], patients)
    clinics = [(site, f"{site}-{tfc}", tfc) for site, *_ in SITES for tfc, *_ in SPECIALTIES]
    base = datetime(2025, 1, 6, 8, 30)  # noqa: DTZ001 (written without an offset: local time, as trusts do)
    block = 50_000
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        for start in range(0, rows, block):
            n = min(block, rows - start)
            who = rng.integers(0, patients, n)
            where = rng.integers(0, len(clinics), n)
            slot = rng.integers(0, 730, n) * 1440 + rng.integers(0, 33, n) * 15
            lead = rng.integers(1, 120, n) * 1440 + rng.integers(0, 600, n)
            codes = rng.choice(["5", "5", "5", "5", "5", "5", "6", "3", "7", "2", "4", ""], n)
            kinds = rng.choice(["first", "follow_up"], n)
            mediums = rng.choice(["face_to_face"] * 8 + ["telephone", "video"], n)
            out = []
            for i in range(n):
                p = who[i]
                site, clinic, tfc = clinics[where[i]]
                starts = base + timedelta(minutes=int(slot[i]))
                booked = starts - timedelta(minutes=int(lead[i]))
                out.append((
                    f"{PREFIX}-A{start + i:09d}", f"{PREFIX}{p:07d}", nhs[p], born[p], sex[p], eth[p], postcode[p],
                    phone[p], language[p], "N", site, clinic, tfc, starts.isoformat(timespec="minutes"),
                    booked.isoformat(timespec="minutes"), kinds[i], mediums[i], codes[i],
                ))  # fmt: skip
            writer.writerows(out)


def attend_import(path: Path) -> tuple[float, object]:
    from appointments.importing.services import import_extract

    started = time.perf_counter()
    batch = import_extract(path=path)
    return time.perf_counter() - started, batch


def raw_copy(path: Path) -> float:
    from django.db import connection

    columns = ", ".join(f"{name} text" for name in HEADER)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw_extract")
        cursor.execute(f"CREATE TABLE bench_raw_extract ({columns})")
        started = time.perf_counter()
        with (
            path.open("rb") as handle,
            cursor.cursor.copy("COPY bench_raw_extract FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while data := handle.read(1 << 20):
                copy.write(data)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_raw_extract")
    return elapsed


def sql_write_floor(path: Path) -> float:
    """Seconds to COPY the file into a temporary table and upsert its patients and
    appointments with one INSERT … SELECT each, committed (the commit checks the foreign
    keys). Nothing is validated; sites, specialties and clinics are added as Attend would."""
    from django.conf import settings
    from django.db import connection, transaction

    columns = ", ".join(f"{name} text" for name in HEADER)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_floor_stage ({columns}) ON COMMIT DROP")
        with (
            path.open("rb") as handle,
            cursor.cursor.copy("COPY bench_floor_stage FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while data := handle.read(1 << 20):
                copy.write(data)
        cursor.execute("""
            INSERT INTO appointments_site (ods_code, name, address, directions)
            SELECT DISTINCT site_code, site_code, '', '' FROM bench_floor_stage ON CONFLICT DO NOTHING;
            INSERT INTO appointments_specialty (treatment_function_code, name)
            SELECT DISTINCT specialty_code, 'Treatment function ' || specialty_code FROM bench_floor_stage
            ON CONFLICT DO NOTHING;
            INSERT INTO appointments_clinic (code, name, call_script, site_id, specialty_id)
            SELECT DISTINCT ON (t.clinic_code) t.clinic_code, t.clinic_code, '', s.id, sp.id
            FROM bench_floor_stage t
            JOIN appointments_site s ON s.ods_code = t.site_code
            JOIN appointments_specialty sp ON sp.treatment_function_code = t.specialty_code
            ON CONFLICT DO NOTHING;
        """)
        cursor.execute("""
            INSERT INTO patients_patient (
                hospital_number, nhs_number, date_of_birth, sex, ethnic_category, postcode, mobile,
                preferred_language, interpreter_required, given_name, family_name, lsoa_code, imd_vintage,
                mobile_unusable, sms_opt_out, created_at, updated_at
            )
            SELECT DISTINCT ON (patient_id) patient_id, nhs_number, date_of_birth::date, sex,
                   coalesce(ethnicity, ''), coalesce(postcode, ''), coalesce(phone, ''), coalesce(language, ''),
                   interpreter_required = 'Y', '', '', '', '', false, false, now(), now()
            FROM bench_floor_stage
            ON CONFLICT (hospital_number) DO UPDATE SET nhs_number = EXCLUDED.nhs_number, updated_at = now()
        """)
        cursor.execute(
            """
            INSERT INTO appointments_appointment (
                pas_id, patient_id, site_id, specialty_id, clinic_id, starts_at, start_time_known, booked_at,
                appointment_type, medium, attendance_code, created_at, updated_at
            )
            SELECT t.appointment_id, p.id, s.id, sp.id, c.id, t.appointment_start::timestamp AT TIME ZONE %(zone)s,
                   true, t.booked_at::timestamp AT TIME ZONE %(zone)s,
                   t.appointment_type, t.medium, coalesce(nullif(t.attendance_code, ''), '0')::smallint, now(), now()
            FROM bench_floor_stage t
            JOIN patients_patient p ON p.hospital_number = t.patient_id
            JOIN appointments_site s ON s.ods_code = t.site_code
            JOIN appointments_specialty sp ON sp.treatment_function_code = t.specialty_code
            JOIN appointments_clinic c ON c.code = t.clinic_code
            ON CONFLICT (pas_id) DO UPDATE SET starts_at = EXCLUDED.starts_at, updated_at = now()
            """,
            {"zone": settings.TIME_ZONE},
        )
    return time.perf_counter() - started


def naive_saves(path: Path, sample: int) -> float:
    """What a naive Django app does: per row, validate, then update_or_create patient and appointment."""
    from appointments.importing.mapping import IDENTITY
    from appointments.importing.validation import RowValidator
    from appointments.models import Appointment, Clinic, Site, Specialty
    from patients.models import Patient

    validator = RowValidator(IDENTITY)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [next(reader) for _ in range(sample)]
    for row in rows:  # a naive app would not have the clinics either; set them up outside the timing
        site, _ = Site.objects.get_or_create(ods_code=row["site_code"], defaults={"name": row["site_code"]})
        specialty, _ = Specialty.objects.get_or_create(
            treatment_function_code=row["specialty_code"], defaults={"name": row["specialty_code"]}
        )
        Clinic.objects.get_or_create(
            code=row["clinic_code"], defaults={"name": "x", "site": site, "specialty": specialty}
        )
    started = time.perf_counter()
    for line, row in enumerate(rows, start=2):
        appointment, patient, _ = validator.validate(line, dict(row))
        if appointment is None:
            continue
        saved_patient, _ = Patient.objects.update_or_create(
            hospital_number=f"NAIVE{patient.hospital_number}",
            defaults={
                "nhs_number": patient.nhs_number, "date_of_birth": patient.date_of_birth, "sex": patient.sex,
                "ethnic_category": patient.ethnic_category, "postcode": patient.postcode, "mobile": patient.mobile,
                "preferred_language": patient.preferred_language,
            },
        )  # fmt: skip
        Appointment.objects.update_or_create(
            pas_id=f"NAIVE{appointment.pas_id}",
            defaults={
                "patient": saved_patient,
                "site": Site.objects.get(ods_code=appointment.site_code),
                "specialty": Specialty.objects.get(treatment_function_code=appointment.specialty_code),
                "clinic": Clinic.objects.get(code=appointment.clinic_code),
                "starts_at": appointment.starts_at, "booked_at": appointment.booked_at,
                "appointment_type": appointment.appointment_type, "medium": appointment.medium,
                "attendance_code": appointment.attendance_code,
            },
        )  # fmt: skip
    return time.perf_counter() - started


def clean_up() -> None:
    from django.db import connection

    from appointments.importing.models import ImportBatch
    from appointments.models import Appointment
    from patients.models import Patient

    # Raw deletes: the benchmark's rows have nothing hanging off them, and collecting a
    # million objects for Django's cascade would take longer than the import.
    for prefix in (PREFIX, f"NAIVE{PREFIX}"):
        Appointment.objects.filter(pas_id__startswith=prefix)._raw_delete("default")
        Patient.objects.filter(hospital_number__startswith=prefix)._raw_delete("default")
    ImportBatch.objects.filter(file_name__startswith="bench-extract").delete()
    with connection.cursor() as cursor:  # so each run meets tables without a million dead rows
        cursor.execute("VACUUM ANALYZE appointments_appointment, patients_patient")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench import_extract")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--naive-sample", type=int, default=2_000)
    parser.add_argument("--keep", action="store_true", help="Keep the imported rows and the file.")
    args = parser.parse_args(argv)

    clean_up()
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / f"bench-extract-{args.rows}.csv"
        started = time.perf_counter()
        write_extract(path, args.rows)
        size_mb = path.stat().st_size / 2**20
        print(f"extract: {args.rows:,} rows, {size_mb:,.0f} MB, written in {time.perf_counter() - started:.1f}s")
        memory_before = peak_mb()

        copy_seconds = raw_copy(path)
        floor_seconds = sql_write_floor(path)
        clean_up()
        attend_seconds, batch = attend_import(path)
        reimport_seconds, again = attend_import(path)  # a nightly extract overlaps the last one
        memory_after = peak_mb()
        naive_sample = naive_saves(path, min(args.naive_sample, args.rows))
        naive_seconds = naive_sample * args.rows / min(args.naive_sample, args.rows)
        if not args.keep:
            clean_up()

    print(
        f"Attend import:    {attend_seconds:8.1f}s  ({args.rows / attend_seconds:,.0f} rows/s; "
        f"{batch.rows_created:,} created, {batch.rows_rejected:,} rejected, {batch.patients_created:,} patients; "
        f"status {batch.status})"
    )
    print(
        f"Attend re-import: {reimport_seconds:8.1f}s  (the same file again: {again.rows_unchanged:,} unchanged, "
        f"{again.rows_updated:,} updated, {again.rows_created:,} created)"
    )
    print(f"raw COPY (floor): {copy_seconds:8.1f}s  ({args.rows / copy_seconds:,.0f} rows/s)")
    print(
        f"SQL write floor:  {floor_seconds:8.1f}s  (the rows typed and upserted by SQL alone: no validation; "
        f"{floor_seconds / copy_seconds:.1f}× COPY)"
    )
    print(
        f"per-row ORM:      {naive_seconds:8.1f}s  (scaled from {min(args.naive_sample, args.rows):,} rows "
        f"in {naive_sample:.1f}s)"
    )
    ratio, speedup = attend_seconds / copy_seconds, naive_seconds / attend_seconds
    print(
        f"Attend / COPY = {ratio:.1f}× (target ≤ {TARGET_COPY_RATIO:.0f}×: "
        f"{'met' if ratio <= TARGET_COPY_RATIO else 'NOT met'}); "
        f"per-row / Attend = {speedup:.0f}× (target ≥ {TARGET_NAIVE_SPEEDUP:.0f}×: "
        f"{'met' if speedup >= TARGET_NAIVE_SPEEDUP else 'NOT met'}); "
        f"Attend / SQL write floor = {attend_seconds / floor_seconds:.1f}×"
    )
    print(
        f"peak memory (ru_maxrss): {memory_after:,.0f} MB after the import ({memory_before:,.0f} MB before it; "
        f"target < {TARGET_PEAK_MB} MB: {'met' if memory_after < TARGET_PEAK_MB else 'NOT met'})"
    )
