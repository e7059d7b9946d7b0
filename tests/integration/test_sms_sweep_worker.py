"""SIGKILL a real Celery worker in the middle of a sweep of 500 due reminders, start it
again, and count what the database backend sent: every reminder exactly once, and none
waiting for the claim timeout (a batch is claimed and sent in one transaction)."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from appointments.models import Appointment
from patients.models import Patient
from reminders.models import OutboxMessage, Reminder, ReminderStatus
from reminders.tasks import sweep_reminders
from tests.support.factories import ClinicFactory
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REMINDERS = 500
RATE = 100
BATCH = 20


def _due_reminders(count: int) -> None:
    now = timezone.now()
    clinic = ClinicFactory()
    patients = Patient.objects.bulk_create(
        Patient(hospital_number=f"K{i:06d}", date_of_birth="1980-01-01", given_name="Sam",
                mobile=f"+447700900{i % 1000:03d}")
        for i in range(count)
    )  # fmt: skip
    starts_at = now + timedelta(days=2)
    appointments = Appointment.objects.bulk_create(
        Appointment(pas_id=f"K{i:06d}", patient=patient, clinic=clinic, site=clinic.site, specialty=clinic.specialty,
                    starts_at=starts_at, booked_at=now - timedelta(days=30), appointment_type="first")
        for i, patient in enumerate(patients)
    )  # fmt: skip
    Reminder.objects.bulk_create(
        Reminder(appointment=a, rule="2d", due_at=now - timedelta(minutes=1), appointment_starts_at=starts_at)
        for a in appointments
    )


def test_a_worker_killed_mid_sweep_and_restarted_sends_every_reminder_exactly_once(monkeypatch):
    monkeypatch.setenv("ATTEND_SMS_SENDING_WINDOW", "00:00-23:59")
    monkeypatch.setenv("ATTEND_SMS_RATE_PER_SECOND", str(RATE))  # 500 take five seconds or more
    monkeypatch.setenv("ATTEND_SMS_SWEEP_BATCH", str(BATCH))
    monkeypatch.setenv("ATTEND_SMS_CLAIM_TIMEOUT_SECONDS", "600")  # the default: nothing may wait for it
    monkeypatch.setenv("ATTEND_SMS_BACKEND", "database")
    _due_reminders(REMINDERS)

    with celery_worker(concurrency=2) as worker:
        sweep_reminders.delay()
        sweep_reminders.delay()
        assert wait_for(lambda: OutboxMessage.objects.count() >= 60, timeout=120)
        worker.kill()
        sent_before_kill = OutboxMessage.objects.count()
        assert sent_before_kill < REMINDERS, "the sweep finished before the kill: nothing was tested"
        # The dead worker's open batch is rolled back as PostgreSQL sees its connection close.
        unclaimed = wait_for(lambda: not Reminder.objects.filter(status=ReminderStatus.SENDING).exists(), timeout=10)
        assert unclaimed, "a dead worker's claims would wait for the claim timeout"

        worker.start()
        sweep_reminders.delay()
        sweep_reminders.delay()
        done = wait_for(lambda: Reminder.objects.filter(status=ReminderStatus.SENT).count() == REMINDERS, timeout=180)

    per_reminder = OutboxMessage.objects.values("reminder").annotate(n=Count("pk"))
    assert done, dict(Reminder.objects.values_list("status").annotate(n=Count("pk")))
    assert OutboxMessage.objects.count() == REMINDERS
    assert not [row for row in per_reminder if row["n"] != 1]
    assert OutboxMessage.objects.filter(reminder__isnull=True).count() == 0
    # One send rate across both pool processes, not one each (which would be ~200 a second).
    # Slack of one batch: the limiter counts a batch when it starts, created_at is when the
    # batch is written, which can fall in the next second.
    per_second = Counter(int(t.timestamp()) for t in OutboxMessage.objects.values_list("created_at", flat=True))
    assert max(per_second.values()) <= RATE + BATCH
    print(f"killed after {sent_before_kill} sent, nothing left claimed; all {REMINDERS} sent once")
