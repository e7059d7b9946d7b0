"""Claim-next latency: 50 concurrent handlers working a 2,000-call list on PostgreSQL.

Creates its own team, patients, appointments and calls (prefixed BENCH-CLAIM), times
every call_claim_next until the list is empty, prints p50/p95/max, and removes what it
made. Target: p95 under 50 ms.

With every handler claiming back-to-back the figure measures throughput more than
latency (Little's law: 50 waiting clients ÷ claims per second); the run with a pause
between claims is closer to real use, where a call takes minutes. Figures from a busy
shared machine are upper bounds.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
from datetime import timedelta

PREFIX = "BENCH-CLAIM"


def _setup(calls: int, handlers: int):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from accounts.models import StaffProfile, Team
    from accounts.roles import CALL_HANDLER, sync_roles
    from appointments.models import Appointment, Clinic, Site, Specialty
    from calls.models import CallTask
    from patients.models import Patient

    sync_roles()
    team = Team.objects.create(name=f"{PREFIX} team", calls_per_handler=calls)
    group = Group.objects.get(name=CALL_HANDLER.group)
    users = []
    for i in range(handlers):
        user = get_user_model().objects.create(username=f"{PREFIX.lower()}-{i}")
        user.groups.add(group)
        StaffProfile.objects.create(user=user, team=team)
        users.append(user)
    site, _ = Site.objects.get_or_create(ods_code="BENCHS", defaults={"name": f"{PREFIX} site"})
    specialty, _ = Specialty.objects.get_or_create(treatment_function_code="999", defaults={"name": "Bench"})
    clinic, _ = Clinic.objects.get_or_create(
        code=f"{PREFIX}-clinic", defaults={"name": "Bench clinic", "site": site, "specialty": specialty}
    )
    now = timezone.now()
    patients = Patient.objects.bulk_create(
        Patient(hospital_number=f"{PREFIX}-{i}", date_of_birth=now.date() - timedelta(days=10_000))
        for i in range(calls)
    )
    appointments = Appointment.objects.bulk_create(
        Appointment(
            pas_id=f"{PREFIX}-{i}",
            patient=p,
            site=site,
            specialty=specialty,
            clinic=clinic,
            starts_at=now + timedelta(days=5),
            booked_at=now - timedelta(days=20),
            appointment_type="first",
        )
        for i, p in enumerate(patients)
    )
    CallTask.objects.bulk_create(
        CallTask(
            team=team,
            patient=a.patient,
            appointment=a,
            list_date=timezone.localdate(),
            priority=(i * 7919 % calls) / calls,
        )
        for i, a in enumerate(appointments)
    )
    return team, users


def _teardown() -> None:
    from django.contrib.auth import get_user_model

    from accounts.models import Team
    from appointments.models import Appointment, Clinic
    from calls.models import CallTask
    from patients.models import Patient

    CallTask.objects.filter(team__name=f"{PREFIX} team").delete()
    Appointment.objects.filter(pas_id__startswith=PREFIX).delete()
    Patient.objects.filter(hospital_number__startswith=PREFIX).delete()
    Clinic.objects.filter(code=f"{PREFIX}-clinic").delete()
    get_user_model().objects.filter(username__startswith=PREFIX.lower()).delete()
    Team.objects.filter(name=f"{PREFIX} team").delete()


def _run(users: list, think_ms: float) -> tuple[list[float], list[int], float]:
    """Every handler claims until the list is empty, pausing `think_ms` between claims."""
    from django.db import connection

    from calls.services import call_claim_next

    timings: list[float] = []
    claimed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(users))

    def work(user) -> None:
        mine, ids = [], []
        try:
            barrier.wait()
            while True:
                started = time.perf_counter()
                task = call_claim_next(handler=user)
                mine.append(time.perf_counter() - started)
                if task is None:
                    break
                ids.append(task.pk)
                if think_ms:
                    time.sleep(think_ms / 1000)
        finally:
            connection.close()
            with lock:
                timings.extend(mine)
                claimed.extend(ids)

    threads = [threading.Thread(target=work, args=(u,)) for u in users]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return timings, claimed, time.perf_counter() - wall


def _report(label: str, timings: list[float], claimed: list[int], wall: float, calls: int, handlers: int) -> None:
    ms = sorted(t * 1000 for t in timings)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    duplicates = len(claimed) - len(set(claimed))
    print(
        f"claim_next [{label}]: {len(claimed)} of {calls} calls claimed by {handlers} concurrent handlers "
        f"in {wall:.1f} s ({len(claimed) / wall:.0f} claims/s); duplicates {duplicates}"
    )
    print(
        f"claim_next [{label}] latency: p50 {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms, max {ms[-1]:.1f} ms "
        + (f"(target p95 < 50 ms: {'met' if p95 < 50 else 'NOT met'})" if handlers > 1 else "")
    )


def main(argv: list[str]) -> None:

    parser = argparse.ArgumentParser(prog="python -m bench claim_next")
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--handlers", type=int, default=50)
    parser.add_argument(
        "--think-ms",
        type=float,
        default=100.0,
        help="Pause between one handler's claims in the second run (a real call takes minutes).",
    )
    args = parser.parse_args(argv)
    runs = [
        ("one handler alone, the uncontended cost", 0.0, 1),
        ("back-to-back, no pause", 0.0, args.handlers),
        (f"{args.think_ms:.0f} ms between claims", args.think_ms, args.handlers),
    ]
    for label, think_ms, handlers in runs:
        calls = args.calls if handlers > 1 else min(args.calls, 300)
        _teardown()
        try:
            _, users = _setup(calls, handlers)
            timings, claimed, wall = _run(users, think_ms)
        finally:
            _teardown()
        _report(label, timings, claimed, wall, calls, handlers)
