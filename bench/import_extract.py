"""Extract import speed and memory, against the floor (raw COPY) and a naive app.

    python -m bench import_extract            # 1,000,000 rows (needs DATABASE_URL=postgres://…)
    python -m bench import_extract --rows 200000

Writes a synthetic extract (the DESIGN.md columns, ~5 appointments per patient,
invented postcodes/phones/NHS numbers in the test ranges), then in one run on
PostgreSQL prints:

- Attend's first import of the file (validation, patients, appointments with the rows'
  fingerprints, ImportBatch);
- its re-import unchanged (a nightly extract mostly repeats the last one: the rows are
  recognised by their fingerprints and never validated or written again), and a
  re-import of the next night's extract, in which 2% of the rows changed (outcomes
  arrived, some moved, some cancelled: those are validated, written and announced);
- a raw `COPY` of the same file into a bare table of text columns (the floor; the fastest of three);
- the SQL write floor: the same rows turned into patients and appointments by SQL
  alone (COPY into a temporary table, then one INSERT … SELECT … ON CONFLICT per
  table, and the commit that checks the foreign keys), with no validation and no
  deprivation lookup: what writing into Attend's indexed, constrained tables costs
  any importer, however it validates;
- per-row ORM saves (update_or_create for the patient and the appointment, as a
  naive Django app would) on a sample, scaled up to the file's rows;
- the process's peak memory (ru_maxrss), and its largest child's (a re-import scans a large file
  in two processes: the second is forked, and shares most of its pages with the first).

Targets (issue 21): an unchanged re-import within 5× COPY, the 2% re-import within 8×,
the first import within 1.25× the SQL write floor, peak memory under 1 GB (and at least
20× faster than per-row saves). Everything it writes is removed afterwards (rows prefixed
BENCH).
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
TARGET_UNCHANGED_COPY_RATIO = 5.0
TARGET_CHANGED_COPY_RATIO = 8.0
TARGET_FIRST_FLOOR_RATIO = 1.25
CHANGED_SHARE = 0.02
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


def next_night(path: Path, changed: Path, share: float = CHANGED_SHARE, seed: int = 5) -> int:
    """The next night's extract: `share` of the rows changed as a PAS changes them overnight (an
    outcome arrived, the appointment moved a week, or it was cancelled); the rest as they were."""
    rng = np.random.default_rng(seed)
    at = {name: HEADER.index(name) for name in ("appointment_start", "attendance_code")}
    count = 0
    with path.open(newline="", encoding="utf-8") as source, changed.open("w", newline="", encoding="utf-8") as out:
        reader, writer = csv.reader(source), csv.writer(out, lineterminator="\n")
        writer.writerow(next(reader))
        for record in reader:
            if rng.random() < share:
                count += 1
                kind = rng.integers(0, 3)
                if kind == 0:
                    record[at["attendance_code"]] = "3" if record[at["attendance_code"]] == "5" else "5"
                elif kind == 1:
                    starts = datetime.fromisoformat(record[at["appointment_start"]]) + timedelta(days=7)
                    record[at["appointment_start"]] = starts.isoformat(timespec="minutes")
                    record[at["attendance_code"]] = ""
                else:
                    record[at["attendance_code"]] = "2"
            writer.writerow(record)
    return count


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

    from appointments.models import Appointment
    from patients.models import Patient

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
        patients, patient_defaults = _other_columns(
            Patient, "hospital_number", "nhs_number", "date_of_birth", "sex", "ethnic_category", "postcode",
            "mobile", "preferred_language", "interpreter_required", "created_at", "updated_at",
        )  # fmt: skip
        cursor.execute(
            f"""
            INSERT INTO patients_patient (
                hospital_number, nhs_number, date_of_birth, sex, ethnic_category, postcode, mobile,
                preferred_language, interpreter_required, created_at, updated_at{patients}
            )
            SELECT DISTINCT ON (patient_id) patient_id, nhs_number, date_of_birth::date, sex,
                   coalesce(ethnicity, ''), coalesce(postcode, ''), coalesce(phone, ''), coalesce(language, ''),
                   interpreter_required = 'Y', now(), now(){", %s" * len(patient_defaults)}
            FROM bench_floor_stage
            ON CONFLICT (hospital_number) DO UPDATE SET nhs_number = EXCLUDED.nhs_number, updated_at = now()
            """,
            patient_defaults,
        )
        appointments, appointment_defaults = _other_columns(
            Appointment, "pas_id", "patient", "site", "specialty", "clinic", "starts_at", "start_time_known",
            "booked_at", "appointment_type", "medium", "attendance_code", "created_at", "updated_at",
        )  # fmt: skip
        cursor.execute(
            f"""
            INSERT INTO appointments_appointment (
                pas_id, patient_id, site_id, specialty_id, clinic_id, starts_at, start_time_known, booked_at,
                appointment_type, medium, attendance_code, created_at, updated_at{appointments}
            )
            SELECT t.appointment_id, p.id, s.id, sp.id, c.id, t.appointment_start::timestamp AT TIME ZONE %s,
                   true, t.booked_at::timestamp AT TIME ZONE %s,
                   t.appointment_type, t.medium, coalesce(nullif(t.attendance_code, ''), '0')::smallint, now(),
                   now(){", %s" * len(appointment_defaults)}
            FROM bench_floor_stage t
            JOIN patients_patient p ON p.hospital_number = t.patient_id
            JOIN appointments_site s ON s.ods_code = t.site_code
            JOIN appointments_specialty sp ON sp.treatment_function_code = t.specialty_code
            JOIN appointments_clinic c ON c.code = t.clinic_code
            ON CONFLICT (pas_id) DO UPDATE SET starts_at = EXCLUDED.starts_at, updated_at = now()
            """,
            [settings.TIME_ZONE, settings.TIME_ZONE, *appointment_defaults],
        )
    return time.perf_counter() - started


def _other_columns(model, *given: str) -> tuple[str, list]:
    """(", col, col…", [their defaults]) for the model's columns the floor does not fill from the file,
    so it stays right as columns are added (the model's defaults, as an importer would write)."""
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    fields = [
        f for f in model._meta.concrete_fields
        if not f.primary_key and f.name not in given and f.db_default is NOT_PROVIDED  # the database fills those
    ]  # fmt: skip
    columns = "".join(f", {f.column}" for f in fields)
    return columns, [f.get_db_prep_save(f.get_default(), connection) for f in fields]


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


def peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


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
        changed_path = Path(directory) / f"bench-extract-{args.rows}-next-night.csv"
        changed_rows = next_night(path, changed_path)
        print(
            f"extract: {args.rows:,} rows, {size_mb:,.0f} MB, and the next night's with {changed_rows:,} rows "
            f"changed, written in {time.perf_counter() - started:.1f}s"
        )
        memory_before = peak_mb()

        # The fastest of three: COPY's own time varies by a fifth between runs, and the ratios divide by it.
        copy_seconds = min(raw_copy(path) for _ in range(3))
        floor_seconds = sql_write_floor(path)
        clean_up()
        attend_seconds, batch = attend_import(path)
        reimport_seconds, again = attend_import(path)  # a nightly extract mostly repeats the last one
        changed_seconds, changed = attend_import(changed_path)  # and the next night's changed 2%
        memory_after = peak_mb()
        failed = [b for b in (batch, again, changed) if b.status != "succeeded"]
        if failed:
            raise SystemExit(f"An import did not succeed: {failed[0].status}: {failed[0].message}")
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
        f"re-import:        {reimport_seconds:8.1f}s  (the same file again: {again.rows_unchanged:,} unchanged, "
        f"{again.rows_updated:,} updated, {again.rows_created:,} created)"
    )
    print(
        f"re-import, 2%:    {changed_seconds:8.1f}s  (the next night's: {changed.rows_updated:,} updated, "
        f"{changed.rows_unchanged:,} unchanged, replanning {changed.replanning})"
    )
    print(f"raw COPY (floor): {copy_seconds:8.1f}s  ({args.rows / copy_seconds:,.0f} rows/s; the fastest of 3)")
    print(
        f"SQL write floor:  {floor_seconds:8.1f}s  (the rows typed and upserted by SQL alone: no validation; "
        f"{floor_seconds / copy_seconds:.1f}× COPY)"
    )
    print(
        f"per-row ORM:      {naive_seconds:8.1f}s  (scaled from {min(args.naive_sample, args.rows):,} rows "
        f"in {naive_sample:.1f}s)"
    )
    for label, ratio, target in (
        ("unchanged re-import / COPY", reimport_seconds / copy_seconds, TARGET_UNCHANGED_COPY_RATIO),
        ("2% re-import / COPY", changed_seconds / copy_seconds, TARGET_CHANGED_COPY_RATIO),
        ("first import / SQL write floor", attend_seconds / floor_seconds, TARGET_FIRST_FLOOR_RATIO),
    ):
        print(f"{label} = {ratio:.2f}× (target ≤ {target:g}×: {'met' if ratio <= target else 'NOT met'})")
    speedup = naive_seconds / attend_seconds
    print(
        f"first import / COPY = {attend_seconds / copy_seconds:.1f}×; per-row / Attend = {speedup:.0f}× "
        f"(target ≥ {TARGET_NAIVE_SPEEDUP:.0f}×: {'met' if speedup >= TARGET_NAIVE_SPEEDUP else 'NOT met'})"
    )
    print(
        f"peak memory (ru_maxrss): {memory_after:,.0f} MB after the imports ({memory_before:,.0f} MB before them; "
        f"target < {TARGET_PEAK_MB} MB: {'met' if memory_after < TARGET_PEAK_MB else 'NOT met'}); the re-imports' "
        f"forked scanning child peaked at {peak_mb(resource.RUSAGE_CHILDREN):,.0f} MB, most of it pages shared "
        "with this process"
    )
