"""SIGKILL a real Celery worker while a message is with the provider (a fake Twilio on
loopback, tests/support/fake_twilio.py), start it again, and count what the provider got:
every due reminder exactly once, the one in flight resolved by asking the provider."""

import time
from datetime import timedelta

import pytest
from django.db.models import Count, Max
from django.utils import timezone

from reminders.models import Reminder, ReminderStatus
from reminders.tasks import sweep_reminders
from tests.integration.test_sms_sweep_worker import _due_reminders
from tests.support.fake_twilio import FakeTwilio
from tests.support.worker import celery_worker, wait_for

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
S = ReminderStatus

REMINDERS = 40
HELD = 12  # the provider holds its answer to the 12th message until the worker is dead
CLAIM_TIMEOUT = 3


def _statuses() -> dict[str, int]:
    return dict(Reminder.objects.values_list("status").annotate(n=Count("pk")))


def test_a_worker_killed_mid_send_to_twilio_and_restarted_sends_every_reminder_exactly_once(monkeypatch):
    _due_reminders(REMINDERS)
    with FakeTwilio(delay=0.1, hold_at=HELD) as twilio:
        for name, value in {
            "ATTEND_SMS_BACKEND": "twilio", "TWILIO_API_BASE_URL": twilio.base_url,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "fake-token",
            "TWILIO_MESSAGING_SERVICE_SID": "MG" + "1" * 32, "ATTEND_PUBLIC_BASE_URL": "",
            "ATTEND_SMS_SENDING_WINDOW": "00:00-23:59", "ATTEND_SMS_RATE_PER_SECOND": "100",
            "ATTEND_SMS_CLAIM_TIMEOUT_SECONDS": str(CLAIM_TIMEOUT), "NO_PROXY": "127.0.0.1,localhost",
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)

        with celery_worker(concurrency=2) as worker:
            sweep_reminders.delay()
            sweep_reminders.delay()
            assert wait_for(lambda: twilio.received() >= HELD, timeout=60), "the sweep never reached the provider"
            worker.kill()  # while Twilio holds the 12th message's answer
            twilio.release()
            at_kill = _statuses()
            in_flight = Reminder.objects.filter(status=S.SENDING, handed_at__isnull=False).count()
            assert at_kill.get(S.SENDING, 0) <= 2, f"one claim per sweep at most, not a batch: {at_kill}"
            assert in_flight >= 1, f"no message was with the provider at the kill: {at_kill}"

            worker.start()
            sweep_reminders.delay()
            # Everything not in flight goes at once, without waiting for the claim timeout.
            not_in_flight = REMINDERS - at_kill.get(S.SENDING, 0)
            assert wait_for(lambda: _statuses().get(S.SENT, 0) >= not_in_flight, timeout=60), _statuses()
            # The claims in flight are taken back at the timeout, and the provider asked about them.
            claimed = Reminder.objects.filter(status=S.SENDING).aggregate(at=Max("claimed_at"))["at"]
            if claimed is not None:
                time.sleep(max(0.0, (claimed + timedelta(seconds=CLAIM_TIMEOUT) - timezone.now()).total_seconds()))
            sweep_reminders.delay()
            done = wait_for(lambda: _statuses() == {S.SENT: REMINDERS}, timeout=60)

    assert done, _statuses()
    per_number = twilio.texts_per_number()
    assert len(per_number) == REMINDERS and set(per_number.values()) == {1}, "a patient got a text twice, or none"
    sids = {m["sid"] for m in twilio.messages}
    assert set(Reminder.objects.values_list("provider_message_id", flat=True)) == sids
    assert twilio.lookups >= 1 and in_flight >= 1
    assert not Reminder.objects.filter(delivery_uncertain=True).exists()
    print(f"killed with {at_kill} ({in_flight} handed to Twilio); after restart all {REMINDERS} sent once, "
          f"{twilio.lookups} lookup(s) at the provider")  # fmt: skip
