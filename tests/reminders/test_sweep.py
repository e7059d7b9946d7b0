import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from reminders.backends import DatabaseBackend, ErrorKind, SendError
from reminders.models import MessageTemplate, OutboxMessage, Reminder, ReminderStatus
from reminders.sending import claim_due, reminders_sweep, retry_delay
from tests.reminders.conftest import NOW, london, make_reminder
from tests.support.factories import PatientFactory

pytestmark = pytest.mark.django_db
S = ReminderStatus


def fresh(reminder) -> Reminder:
    return Reminder.objects.get(pk=reminder.pk)


class FailingBackend:
    name = "failing"
    writes_in_transaction = False

    def __init__(self, kind: ErrorKind, code: str = "") -> None:
        self.kind, self.code, self.calls = kind, code, 0

    def send(self, message):
        self.calls += 1
        raise SendError(self.kind, self.code, "no")


def test_a_due_reminder_goes_to_the_outbox_once_however_often_the_sweep_runs():
    reminder = make_reminder()
    reminders_sweep(now=NOW)
    reminders_sweep(now=NOW + timedelta(minutes=1))
    outbox = OutboxMessage.objects.get()
    reminder = fresh(reminder)
    assert (reminder.status, reminder.provider_message_id, reminder.to_number) == (
        S.SENT, outbox.provider_message_id, outbox.to_number,
    )  # fmt: skip
    assert outbox.reminder_id == reminder.pk


def test_the_message_names_the_patient_date_time_and_site_but_not_the_clinic():
    reminder = make_reminder(patient=PatientFactory(given_name="Priya"))
    reminders_sweep(now=NOW)
    body = OutboxMessage.objects.get().body
    site = reminder.appointment.site.name
    assert body.startswith("Hello Priya, this is a reminder of your hospital appointment on Friday 12 June at 2:30pm")
    assert site in body and reminder.appointment.clinic.name not in body
    assert "Reply 1 if you will attend" in body


def test_a_welsh_speaker_gets_the_welsh_template():
    make_reminder(patient=PatientFactory(given_name="Siân", preferred_language="cy"))
    reminders_sweep(now=NOW)
    assert OutboxMessage.objects.get().body.startswith("Helo Siân, dyma nodyn atgoffa")
    assert "Dydd Gwener 12 Mehefin am 2:30yh" in OutboxMessage.objects.get().body


def test_a_language_without_a_template_falls_back_to_english():
    make_reminder(patient=PatientFactory(preferred_language="pl"))
    reminders_sweep(now=NOW)
    assert OutboxMessage.objects.get().body.startswith("Hello")


def test_a_reminder_not_yet_due_waits():
    reminder = make_reminder(due_at=NOW + timedelta(minutes=5))
    reminders_sweep(now=NOW)
    assert fresh(reminder).status == S.PLANNED


@pytest.mark.parametrize("hour", [8, 20, 23])
def test_nothing_is_sent_outside_the_sending_window(hour):
    reminder = make_reminder(due_at=london(2026, 6, 10, 7, 0))
    result = reminders_sweep(now=london(2026, 6, 10, hour, 30 if hour == 8 else 0))
    assert (result.window_open, fresh(reminder).status) == (False, S.PLANNED)


def test_the_window_is_configurable_per_weekday(settings):
    settings.ATTEND_SMS_SENDING_WINDOWS = "wed=closed"
    reminder = make_reminder()
    reminders_sweep(now=NOW)  # a Wednesday
    assert fresh(reminder).status == S.PLANNED
    reminders_sweep(now=london(2026, 6, 11, 9, 0))
    assert fresh(reminder).status == S.SENT


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"attendance_code": 2}, "appointment cancelled"),
        ({"attendance_code": 4}, "appointment cancelled"),
        ({"attendance_code": 5}, "appointment attended"),
        ({"starts_at": london(2026, 6, 10, 9, 0)}, "appointment has passed"),
        ({"starts_at": london(2026, 6, 30, 9, 0)}, "appointment moved"),
    ],
)
def test_a_reminder_for_a_changed_appointment_is_skipped_with_the_reason(change, reason):
    reminder = make_reminder()
    type(reminder.appointment).objects.filter(pk=reminder.appointment_id).update(**change)
    reminders_sweep(now=NOW)
    assert (fresh(reminder).status, fresh(reminder).skip_reason) == (S.SKIPPED, reason)
    assert not OutboxMessage.objects.exists()


@pytest.mark.parametrize(
    ("patient", "reason"),
    [
        ({"sms_opt_out": True}, "patient opted out of SMS"),
        ({"mobile": ""}, "no mobile number"),
        ({"mobile_unusable": True}, "mobile number cannot receive SMS"),
        ({"mobile": "+442079460000"}, "number is not a mobile in E.164"),
        ({"mobile": "+44123"}, "mobile number is not valid"),
        ({"mobile": "07700 900123"}, "number is not a mobile in E.164"),
    ],
)
def test_a_reminder_for_a_patient_sms_cannot_reach_is_skipped_with_the_reason(patient, reason):
    reminder = make_reminder(patient=PatientFactory(**patient))
    reminders_sweep(now=NOW)
    assert (fresh(reminder).status, fresh(reminder).skip_reason) == (S.SKIPPED, reason)
    assert not OutboxMessage.objects.exists()


def test_two_sweeps_claiming_at_once_never_take_the_same_reminder():
    reminders = [make_reminder() for _ in range(5)]
    _, first = claim_due(now=NOW, limit=3)
    _, second = claim_due(now=NOW, limit=3)
    assert len(first) == 3 and len(second) == 2 and not set(first) & set(second)
    assert {r.pk for r in reminders} == set(first) | set(second)


def test_a_claim_left_by_a_dead_worker_is_sent_once_after_the_timeout(settings):
    settings.ATTEND_SMS_CLAIM_TIMEOUT_SECONDS = 60
    reminder = make_reminder()
    claim_due(now=NOW, limit=10)  # ... and the worker dies
    reminders_sweep(now=NOW + timedelta(seconds=30))
    assert fresh(reminder).status == S.SENDING
    reminders_sweep(now=NOW + timedelta(seconds=61))
    assert fresh(reminder).status == S.SENT
    assert OutboxMessage.objects.filter(reminder=reminder).count() == 1


def test_a_transient_error_is_retried_later_with_backoff():
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=FailingBackend(ErrorKind.TRANSIENT, "500"))
    reminder = fresh(reminder)
    assert (reminder.status, reminder.error_code, reminder.retry_at) == (S.PLANNED, "500", NOW + retry_delay(1))
    backend = FailingBackend(ErrorKind.TRANSIENT, "500")
    reminders_sweep(now=NOW + timedelta(seconds=30), backend=backend)
    assert backend.calls == 0


def test_transient_errors_give_up_after_the_maximum_attempts(settings):
    settings.ATTEND_SMS_MAX_ATTEMPTS = 3
    reminder = make_reminder()
    backend = FailingBackend(ErrorKind.TRANSIENT, "429")
    for hour in range(6):
        reminders_sweep(now=NOW + timedelta(hours=hour), backend=backend)
    assert (backend.calls, fresh(reminder).status) == (3, S.FAILED)


def test_backoff_doubles_and_is_bounded(settings):
    settings.ATTEND_SMS_RETRY_BASE_SECONDS = 60
    settings.ATTEND_SMS_RETRY_MAX_SECONDS = 600
    assert [retry_delay(n).total_seconds() for n in range(1, 7)] == [60, 120, 240, 480, 600, 600]


def test_a_permanent_error_fails_without_retry():
    reminder = make_reminder()
    backend = FailingBackend(ErrorKind.PERMANENT, "21408")
    reminders_sweep(now=NOW, backend=backend)
    reminders_sweep(now=NOW + timedelta(hours=3), backend=backend)
    assert (backend.calls, fresh(reminder).status) == (1, S.FAILED)


def test_with_no_templates_in_the_database_the_built_in_english_text_is_used():
    MessageTemplate.objects.all().delete()
    make_reminder()
    reminders_sweep(now=NOW)
    assert OutboxMessage.objects.get().body.startswith("Hello Alex, this is a reminder")


class BrokenBackend:
    name = "broken"
    writes_in_transaction = False

    def send(self, message):
        raise RuntimeError("a bug of our own")


def test_an_unexpected_error_leaves_the_reminder_to_retry_not_stuck_in_sending():
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=BrokenBackend())
    assert (fresh(reminder).status, fresh(reminder).error_code) == (S.PLANNED, "error")
    assert fresh(reminder).retry_at is not None


def _sweep_every_minute(start: datetime, hours: int) -> None:
    backend = DatabaseBackend()
    for minute in range(hours * 60):
        reminders_sweep(now=start + timedelta(minutes=minute), backend=backend)


@pytest.mark.parametrize(
    ("day", "sent_at_utc"),
    [
        ((2026, 3, 29), datetime(2026, 3, 29, 8, 0, tzinfo=UTC)),  # clocks go forward: 09:00 BST
        ((2026, 10, 25), datetime(2026, 10, 25, 9, 0, tzinfo=UTC)),  # clocks go back: 09:00 GMT
    ],
)
def test_a_sweep_every_minute_through_a_clock_change_sends_once_at_nine_local(day, sent_at_utc):
    reminder = make_reminder(due_at=london(*day, 9, 0), starts_at=london(*day, 23, 0) + timedelta(days=2))
    _sweep_every_minute(datetime(*day, 0, 0, tzinfo=UTC), hours=12)
    assert (fresh(reminder).status, fresh(reminder).sent_at) == (S.SENT, sent_at_utc)
    assert OutboxMessage.objects.count() == 1


@pytest.mark.parametrize("day", [(2026, 3, 29), (2026, 10, 25)])
def test_a_window_opening_in_the_changing_hour_neither_skips_nor_repeats(settings, day):
    # 01:30 does not exist on the March day and happens twice on the October day.
    settings.ATTEND_SMS_SENDING_WINDOW = "01:30-20:00"
    reminder = make_reminder(due_at=london(*day, 1, 30), starts_at=london(*day, 23, 0) + timedelta(days=2))
    _sweep_every_minute(datetime(*day, 0, 0, tzinfo=UTC), hours=4)
    assert fresh(reminder).status == S.SENT
    assert OutboxMessage.objects.count() == 1


def test_send_reminders_command_plans_sends_and_prints_a_json_summary(settings):
    settings.ATTEND_SMS_SENDING_WINDOW = "00:00-23:59"
    make_reminder(due_at=datetime(2026, 1, 1, tzinfo=UTC), starts_at=datetime(2099, 1, 1, tzinfo=UTC))
    Reminder.objects.update(appointment_starts_at=None)
    out = StringIO()
    call_command("send_reminders", "--json", "--ignore-window", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["sent"] == 1 and summary["window_open"] is True
    assert OutboxMessage.objects.count() == 1


def test_a_batch_reminder_whose_claim_was_taken_back_is_not_sent_by_the_old_sweep():
    from reminders.ratelimit import LocalRateLimiter
    from reminders.sending import _send_batch_to_outbox

    mine, theirs = make_reminder(), make_reminder()
    token, ids = claim_due(now=NOW, limit=10)
    Reminder.objects.filter(pk=theirs.pk).update(claim_token="another-sweep")
    outcomes = _send_batch_to_outbox(ids=ids, token=token, now=NOW, backend=DatabaseBackend(),
                                     limiter=LocalRateLimiter(1000))  # fmt: skip
    assert sorted(outcomes) == ["lost", "sent"]
    assert list(OutboxMessage.objects.values_list("reminder_id", flat=True)) == [mine.pk]


def test_the_bulk_move_refuses_an_illegal_transition():
    from reminders.transitions import IllegalTransition, reminders_bulk_move

    reminder = make_reminder()
    with pytest.raises(IllegalTransition):
        reminders_bulk_move([reminder], to=S.SENT, now=NOW)  # planned → sent skips "sending"
    assert fresh(reminder).status == S.PLANNED
