"""What a sweep that dies mid-send leaves behind, and how the next sweep settles it.

A worker killed by SIGKILL runs no more Python; here `WorkerKilled` (a BaseException, which
nothing in the sweep catches) stands in for it, so the database is left as the kill would
leave it. The real process kill, on PostgreSQL and Redis, is tests/integration/.
"""

import logging
from datetime import timedelta

import pytest

from reminders.backends import ErrorKind, OutgoingMessage, SendError, SendResult
from reminders.models import OutboxMessage, Reminder, ReminderStatus
from reminders.sending import reminders_sweep
from tests.reminders.conftest import NOW, make_reminder

pytestmark = pytest.mark.django_db
S = ReminderStatus
LATER = NOW + timedelta(seconds=61)  # past the claim timeout the tests set


class WorkerKilled(BaseException):
    """The worker process dies here."""


class FakeProvider:
    """A provider outside Attend's transaction that remembers what it was given and can be asked."""

    name = "fake"
    writes_in_transaction = False

    def __init__(self, *, die_on: int | None = None, dies_after_receiving: bool = True, lookup_error=None) -> None:
        self.received: list[tuple[str, OutgoingMessage]] = []
        self.calls = self.lookups = 0
        self.die_on, self.dies_after_receiving, self.lookup_error = die_on, dies_after_receiving, lookup_error

    def send(self, message: OutgoingMessage) -> SendResult:
        self.calls += 1
        dies = self.calls == self.die_on
        if dies and not self.dies_after_receiving:
            raise WorkerKilled
        sid = f"FK{len(self.received) + 1:032d}"
        self.received.append((sid, message))
        if dies:
            raise WorkerKilled  # the provider has it; Attend never hears back
        return SendResult(self.name, sid)

    def find_sent(self, message: OutgoingMessage, *, since) -> SendResult | None:
        self.lookups += 1
        if self.lookup_error is not None:
            raise self.lookup_error
        for sid, sent in self.received:
            if (sent.to, sent.body) == (message.to, message.body):
                return SendResult(self.name, sid, "delivered")
        return None

    def texts_per_reminder(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for _, message in self.received:
            counts[message.reminder_id] = counts.get(message.reminder_id, 0) + 1
        return counts


@pytest.fixture(autouse=True)
def _timeout(settings):
    settings.ATTEND_SMS_CLAIM_TIMEOUT_SECONDS = 60


def statuses() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in Reminder.objects.values_list("status", flat=True):
        counts[status] = counts.get(status, 0) + 1
    return counts


def crash(provider, *, now=NOW) -> None:
    with pytest.raises(WorkerKilled):
        reminders_sweep(now=now, backend=provider)


def test_a_provider_sweep_killed_in_a_send_leaves_only_that_message_claimed_and_marked_handed_over():
    reminders = [make_reminder() for _ in range(10)]
    crash(FakeProvider(die_on=3))
    assert statuses() == {S.SENT: 2, S.SENDING: 1, S.PLANNED: 7}
    in_flight = Reminder.objects.get(status=S.SENDING)
    assert in_flight.pk == reminders[2].pk and in_flight.handed_at == NOW and in_flight.body


def test_after_the_kill_every_other_due_reminder_is_sent_at_once_by_the_next_sweep():
    for _ in range(10):
        make_reminder()
    provider = FakeProvider(die_on=3)
    crash(provider)
    reminders_sweep(now=NOW + timedelta(seconds=5), backend=provider)  # before the claim timeout
    assert statuses() == {S.SENT: 9, S.SENDING: 1}
    assert set(provider.texts_per_reminder().values()) == {1}


def test_the_message_in_flight_that_reached_the_provider_is_recorded_from_it_not_sent_again():
    for _ in range(5):
        make_reminder()
    provider = FakeProvider(die_on=3, dies_after_receiving=True)
    crash(provider)
    in_flight = Reminder.objects.get(status=S.SENDING)
    result = reminders_sweep(now=LATER, backend=provider)
    in_flight.refresh_from_db()
    assert result.reclaimed == 1 and provider.lookups == 1
    assert (in_flight.status, in_flight.provider_message_id) == (S.DELIVERED, provider.received[2][0])
    assert in_flight.delivery_uncertain is False
    assert len(provider.received) == 5 and set(provider.texts_per_reminder().values()) == {1}


def test_the_message_in_flight_that_never_reached_the_provider_is_sent_once_after_the_timeout():
    for _ in range(5):
        make_reminder()
    provider = FakeProvider(die_on=3, dies_after_receiving=False)
    crash(provider)
    reminders_sweep(now=LATER, backend=provider)
    assert statuses() == {S.SENT: 5}
    assert len(provider.received) == 5 and set(provider.texts_per_reminder().values()) == {1}


def test_a_message_in_flight_the_provider_cannot_account_for_is_failed_flagged_and_logged_at_error(
    settings, caplog, client
):
    settings.ATTEND_SMS_MAX_ATTEMPTS = 1
    for _ in range(3):
        make_reminder()
    provider = FakeProvider(die_on=2)
    crash(provider)
    provider.lookup_error = SendError(ErrorKind.TRANSIENT, "503", "down", may_have_reached=True)
    with caplog.at_level(logging.ERROR, logger="reminders.sending"):
        reminders_sweep(now=LATER, backend=provider)
    uncertain = Reminder.objects.get(delivery_uncertain=True)
    assert uncertain.status == S.FAILED
    assert statuses() == {S.SENT: 2, S.FAILED: 1}
    assert provider.texts_per_reminder() == {r.pk: 1 for r in Reminder.objects.all()}, "not sent again while in doubt"
    assert any(r.levelno == logging.ERROR and str(uncertain.pk) in r.getMessage() for r in caplog.records)
    assert client.get("/healthz").json()["sms_delivery_uncertain"] == 1


def test_a_provider_that_cannot_be_asked_is_tried_again_before_anything_is_decided(settings):
    settings.ATTEND_SMS_MAX_ATTEMPTS = 5
    make_reminder()
    provider = FakeProvider(die_on=1)
    crash(provider)
    provider.lookup_error = SendError(ErrorKind.TRANSIENT, "503", "down", may_have_reached=True)
    reminders_sweep(now=LATER, backend=provider)
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.handed_at is not None, reminder.retry_at is not None) == (S.PLANNED, True, True)
    provider.lookup_error = None
    reminders_sweep(now=reminder.retry_at, backend=provider)
    reminder.refresh_from_db()
    assert (reminder.status, len(provider.received)) == (S.DELIVERED, 1)


def test_a_backend_that_cannot_be_asked_leaves_the_message_in_flight_failed_and_flagged():
    make_reminder()

    class Unaskable(FakeProvider):
        find_sent = None

    provider = Unaskable(die_on=1)
    crash(provider)
    reminders_sweep(now=LATER, backend=provider)
    reminder = Reminder.objects.get()
    assert (reminder.status, reminder.delivery_uncertain, len(provider.received)) == (S.FAILED, True, 1)


def test_a_database_sweep_killed_mid_batch_leaves_the_batch_due_not_claimed(monkeypatch):
    for _ in range(5):
        make_reminder()

    def die(*args, **kwargs):
        raise WorkerKilled

    monkeypatch.setattr(OutboxMessage.objects, "bulk_create", die)
    with pytest.raises(WorkerKilled):
        reminders_sweep(now=NOW)
    assert statuses() == {S.PLANNED: 5}, "nothing waits for the claim timeout"
    monkeypatch.undo()
    reminders_sweep(now=NOW + timedelta(seconds=1))
    assert statuses() == {S.SENT: 5} and OutboxMessage.objects.count() == 5
