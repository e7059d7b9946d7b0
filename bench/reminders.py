"""A sweep of 10,000 due reminders through the database backend.

Prints messages per second and confirms that no reminder was sent twice. Several sweeps
run at once (threads, each with its own database connection), as several workers would,
so the claim (SKIP LOCKED + claim token) is exercised under contention. The send-rate
limit is lifted for the run: the figure is Attend's own throughput, not the provider's
contracted rate (10 a second by default).

    python -m bench reminders            # 10,000 reminders, 4 concurrent sweeps
    python -m bench reminders --count 2000 --sweeps 2
"""

from __future__ import annotations

import argparse
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.utils import timezone


def _seed(count: int, tag: str) -> list[int]:
    from appointments.models import Appointment, Clinic, Site, Specialty
    from patients.models import Patient
    from reminders.models import Reminder

    now = timezone.now()
    site, _ = Site.objects.get_or_create(ods_code="BENCH", defaults={"name": "Bench Hospital"})
    specialty, _ = Specialty.objects.get_or_create(treatment_function_code="999", defaults={"name": "Bench"})
    clinic, _ = Clinic.objects.get_or_create(
        code="BENCH", defaults={"name": "Bench clinic", "site": site, "specialty": specialty}
    )
    patients = Patient.objects.bulk_create(
        (Patient(hospital_number=f"{tag}{i}", date_of_birth="1980-01-01", given_name="Sam",
                 mobile=f"+447700900{i % 1000:03d}") for i in range(count)),
        batch_size=2000,
    )  # fmt: skip
    starts_at = now + timedelta(days=2)
    appointments = Appointment.objects.bulk_create(
        (Appointment(pas_id=f"{tag}{i}", patient=p, clinic=clinic, site=site, specialty=specialty,
                     starts_at=starts_at, booked_at=now - timedelta(days=30), appointment_type="first")
         for i, p in enumerate(patients)),
        batch_size=2000,
    )  # fmt: skip
    reminders = Reminder.objects.bulk_create(
        (Reminder(appointment=a, rule="bench", due_at=now - timedelta(minutes=1), appointment_starts_at=starts_at)
         for a in appointments),
        batch_size=2000,
    )  # fmt: skip
    return [r.pk for r in reminders]


def _cleanup(tag: str) -> None:
    from appointments.models import Appointment
    from patients.models import Patient
    from reminders.models import OutboxMessage, Reminder

    OutboxMessage.objects.filter(reminder__rule="bench", reminder__appointment__pas_id__startswith=tag).delete()
    Reminder.objects.filter(appointment__pas_id__startswith=tag).delete()
    Appointment.objects.filter(pas_id__startswith=tag).delete()
    Patient.objects.filter(hospital_number__startswith=tag).delete()


def main(argv: list[str]) -> None:
    from reminders.backends import DatabaseBackend
    from reminders.models import OutboxMessage
    from reminders.sending import reminders_sweep

    parser = argparse.ArgumentParser(prog="bench reminders")
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--sweeps", type=int, default=4, help="concurrent sweeps (threads)")
    args = parser.parse_args(argv)

    settings.ATTEND_SMS_RATE_PER_SECOND = 1_000_000
    settings.ATTEND_SMS_SWEEP_SECONDS = 3600
    settings.ATTEND_SMS_SWEEP_BATCH = 100
    tag = f"BR{uuid.uuid4().hex[:6]}-"
    print(f"database: {connection.vendor}; limiter: {'redis' if settings.REDIS_URL else 'in-process'}; "
          f"{args.count} due reminders, {args.sweeps} concurrent sweeps")  # fmt: skip
    started = time.perf_counter()
    ids = _seed(args.count, tag)
    print(f"seeded in {time.perf_counter() - started:.1f}s")
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            reminders_sweep(backend=DatabaseBackend(), ignore_window=True)
        except BaseException as exc:  # report, do not hide
            errors.append(exc)
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=sweep) for _ in range(args.sweeps)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        sent = OutboxMessage.objects.filter(reminder_id__in=ids)
        total = sent.count()
        duplicates = sent.values("reminder").annotate(n=Count("pk")).filter(n__gt=1).count()
        print(f"sent {total} of {len(ids)} in {elapsed:.2f}s: {total / elapsed:,.0f} messages/second")
        print(f"duplicates: {duplicates}; errors: {len(errors)}")
        if errors:
            raise errors[0]
        assert total == len(ids) and duplicates == 0, "a reminder was missed or sent twice"
    finally:
        _cleanup(tag)
