"""Scoring 200,000 upcoming appointments with the active risk model, writes included.

`python -m bench score [--appointments 200000]`. Target: under 20 seconds on PostgreSQL.

Setup (not timed): a synthetic model is trained and activated, and bench patients
(hospital numbers DEMOB…) with two past and two upcoming appointments each are added.
Timed: `score_upcoming()` end to end — the history queries, features, predictions,
per-row reasons and the bulk upserts — first when no scores exist (inserts), then again
over the same appointments (updates). Afterwards the bench rows and model are removed
and the previously active model, if any, is active again and re-scores the database's own
upcoming appointments (the bench model scored them too, and its scores go with it).
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from appointments.models import Appointment, Clinic, Site, Specialty
from demo import synthetic
from patients.models import Patient
from risk.models import RiskScore
from risk.registry import activate_model, active_model, register_model
from risk.scoring import score_upcoming
from risk.table import table_from_synthetic
from risk.training import train_model

PREFIX = "DEMOB"


def _clinics() -> list[Clinic]:
    sites = {
        code: Site.objects.get_or_create(ods_code=code, defaults={"name": name})[0] for code, name, _ in synthetic.SITES
    }
    specialties = {
        tfc: Specialty.objects.get_or_create(treatment_function_code=tfc, defaults={"name": name})[0]
        for tfc, name, _ in synthetic.SPECIALTIES
    }
    return [
        Clinic.objects.get_or_create(
            code=c.code,
            defaults={"name": c.name, "site": sites[c.site_code], "specialty": specialties[c.specialty_code]},
        )[0]
        for c in synthetic.make_clinics(np.random.default_rng(1))
    ]


def _remove_bench_rows() -> None:
    """Plain DELETEs: the ORM's cascade collector would fetch every row into Python first."""
    appointments = Appointment.objects.filter(pas_id__startswith=f"{PREFIX}-").values("id")
    for queryset in (
        RiskScore.objects.filter(appointment_id__in=appointments),
        Appointment.objects.filter(pas_id__startswith=f"{PREFIX}-"),
        Patient.objects.filter(hospital_number__startswith=PREFIX),
    ):
        sql, params = queryset.values("pk").query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {queryset.model._meta.db_table} WHERE id IN ({sql})", params)


@transaction.atomic
def _add_bench_rows(patients: int, now: datetime) -> None:
    rng = np.random.default_rng(42)
    clinics = _clinics()
    today = timezone.localdate()
    Patient.objects.bulk_create(
        (
            Patient(
                hospital_number=f"{PREFIX}{n:07d}",
                date_of_birth=today - timedelta(days=int(rng.integers(365, 90 * 365))),
                sex=str(rng.choice(["F", "M"])),
                ethnic_category="A",
                imd_decile=int(rng.integers(1, 11)),
                mobile="+447700900123" if rng.random() < 0.9 else "",
                interpreter_required=bool(rng.random() < 0.03),
            )
            for n in range(patients)
        ),
        batch_size=5000,
    )
    ids = list(Patient.objects.filter(hospital_number__startswith=PREFIX).values_list("id", flat=True))
    rows = []
    for pid in ids:
        for k, days in enumerate((-300, -100, 3, 30)):
            clinic = clinics[int(rng.integers(0, len(clinics)))]
            starts = now + timedelta(days=days + int(rng.integers(0, 10)), hours=int(rng.integers(0, 8)))
            code = 0 if days > 0 else (3 if rng.random() < 0.1 else 5)
            rows.append(
                Appointment(
                    pas_id=f"{PREFIX}-{pid}-{k}",
                    patient_id=pid,
                    site_id=clinic.site_id,
                    specialty_id=clinic.specialty_id,
                    clinic=clinic,
                    starts_at=starts,
                    booked_at=starts - timedelta(days=int(rng.integers(1, 120))),
                    appointment_type="follow_up" if k else "first",
                    medium="face_to_face",
                    attendance_code=code,
                )
            )
    Appointment.objects.bulk_create(rows, batch_size=5000)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench score")
    parser.add_argument("--appointments", type=int, default=200_000, help="Upcoming appointments to score.")
    args = parser.parse_args(argv)
    patients = args.appointments // 2
    print(f"database: {connection.vendor}", flush=True)
    previous = active_model()
    today = timezone.localdate()
    trust = synthetic.generate(patients=3000, seed=11, today=today)
    result = train_model(
        table_from_synthetic(trust.appointments), as_of=datetime.combine(today, datetime.min.time(), synthetic.LONDON)
    )
    model = activate_model(model=register_model(result=result))
    now = timezone.now()
    _remove_bench_rows()
    started = time.perf_counter()
    _add_bench_rows(patients, now)
    print(
        f"setup: {patients:,} patients, {4 * patients:,} appointments in {time.perf_counter() - started:.1f} s",
        flush=True,
    )
    try:
        for label in ("first run (inserts)", "second run (updates)"):
            started = time.perf_counter()
            summary = score_upcoming(days=42, now=now)
            elapsed = time.perf_counter() - started
            print(
                f"{label}: scored {summary.appointments:,} upcoming appointments in {elapsed:.1f} s "
                f"({summary.appointments / elapsed:,.0f} a second; {summary.chunks} chunks); target < 20 s",
                flush=True,
            )
    finally:
        _remove_bench_rows()
        RiskScore.objects.filter(model=model).delete()
        model.delete()
        if previous is not None:
            activate_model(model=previous)
            score_upcoming()
