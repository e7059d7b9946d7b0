"""Call notes, message bodies and other registered free text are blanked after the
retention period; everything else on the row, and everything newer, is kept."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.roles import CALL_HANDLER
from audit.models import AuditEvent
from audit.retention import purge_expired, register_retention, registered_rules
from calls.models import CallAttempt, CallTask
from reminders.models import InboundMessage, OutboxMessage, Reminder
from tests.support.factories import AppointmentFactory, TeamFactory, make_user

pytestmark = pytest.mark.django_db


def _attempt(notes, *, days_old):
    appointment = AppointmentFactory()
    task = CallTask.objects.create(
        team=TeamFactory(), patient=appointment.patient, appointment=appointment,
        list_date=appointment.starts_at.date(), priority=0.5,
    )  # fmt: skip
    attempt = CallAttempt.objects.create(
        task=task, handler=make_user(CALL_HANDLER, username="handler"), result="reached", notes=notes
    )
    CallAttempt.objects.filter(pk=attempt.pk).update(recorded_at=timezone.now() - timedelta(days=days_old))
    return attempt


def _reminder(body, *, days_old):
    reminder = Reminder.objects.create(
        appointment=AppointmentFactory(), rule="7d", due_at=timezone.now(), body=body, to_number="+447700900123"
    )
    Reminder.objects.filter(pk=reminder.pk).update(created_at=timezone.now() - timedelta(days=days_old))
    return reminder


def test_call_notes_older_than_retention_are_blanked_and_the_outcome_kept(settings):
    old = _attempt("Lives with daughter, needs transport", days_old=settings.ATTEND_RETENTION_DAYS + 1)

    purge_expired()

    old.refresh_from_db()
    assert old.notes == ""
    assert old.result == "reached"


def test_call_notes_within_retention_are_kept(settings):
    recent = _attempt("Will attend", days_old=settings.ATTEND_RETENTION_DAYS - 1)

    purge_expired()

    recent.refresh_from_db()
    assert recent.notes == "Will attend"


def test_message_bodies_older_than_retention_are_blanked_and_the_delivery_record_kept(settings):
    old = _reminder("Your appointment is on Monday", days_old=settings.ATTEND_RETENTION_DAYS + 1)
    recent = _reminder("Your appointment is on Friday", days_old=3)

    purge_expired()

    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.body == ""
    assert old.to_number == "+447700900123"
    assert recent.body == "Your appointment is on Friday"


def test_patients_replies_and_the_outbox_copies_of_texts_are_blanked_too(settings):
    old = timezone.now() - timedelta(days=settings.ATTEND_RETENTION_DAYS + 1)
    reply = InboundMessage.objects.create(provider_message_id="SMr", from_number="+447700900123", body="I can't come")
    InboundMessage.objects.filter(pk=reply.pk).update(received_at=old)
    copy = OutboxMessage.objects.create(to_number="+447700900123", body="Hello Sam", encoding="GSM-7", segments=1,
                                        provider_message_id="db-1")  # fmt: skip
    OutboxMessage.objects.filter(pk=copy.pk).update(created_at=old)

    purge_expired()

    reply.refresh_from_db()
    copy.refresh_from_db()
    assert (reply.body, reply.from_number) == ("", "+447700900123")
    assert (copy.body, copy.to_number) == ("", "+447700900123")


def test_a_dry_run_counts_but_changes_nothing(settings):
    old = _attempt("Private detail", days_old=settings.ATTEND_RETENTION_DAYS + 10)

    counts = purge_expired(dry_run=True)

    old.refresh_from_db()
    assert counts["calls.callattempt.notes"] == 1
    assert old.notes == "Private detail"
    assert not AuditEvent.objects.filter(actor_label="retention").exists()


def test_purging_twice_finds_nothing_the_second_time(settings):
    _attempt("Private detail", days_old=settings.ATTEND_RETENTION_DAYS + 10)

    first, second = purge_expired(), purge_expired()

    assert first["calls.callattempt.notes"] == 1
    assert sum(second.values()) == 0


def test_a_purge_is_recorded_in_the_audit_trail(settings):
    _attempt("Private detail", days_old=settings.ATTEND_RETENTION_DAYS + 10)

    purge_expired()

    event = AuditEvent.objects.get(actor_label="retention")
    assert event.changes == {"calls.callattempt.notes": [None, "1"]}


def test_the_retention_period_is_configurable(settings):
    settings.ATTEND_RETENTION_DAYS = 30
    old = _attempt("Private detail", days_old=31)

    purge_expired()

    old.refresh_from_db()
    assert old.notes == ""


def test_other_apps_can_register_their_own_fields(settings):
    register_retention("calls.CallTask", date_field="created_at", fields=["close_reason"])
    try:
        attempt = _attempt("", days_old=1)
        CallTask.objects.filter(pk=attempt.task_id).update(
            close_reason="Patient said their son will drive", created_at=timezone.now() - timedelta(days=999)
        )
        counts = purge_expired()
        assert counts["calls.calltask.close_reason"] == 1
        assert CallTask.objects.get(pk=attempt.task_id).close_reason == ""
    finally:
        from audit import retention

        retention._RULES.pop(("calls.calltask", "created_at"))


def test_the_shared_schemas_free_text_is_registered():
    names = {rule.name for rule in registered_rules()}
    assert {"calls.callattempt.notes", "reminders.reminder.body", "calls.supportoffer.detail",
            "reminders.outboxmessage.body", "reminders.inboundmessage.body"} <= names  # fmt: skip


def test_the_command_prints_a_json_summary_on_its_last_line(settings):
    _attempt("Private detail", days_old=settings.ATTEND_RETENTION_DAYS + 10)
    out = StringIO()

    call_command("purge_expired_data", "--dry-run", "--json", stdout=out)

    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["dry_run"] is True
    assert summary["blanked"]["calls.callattempt.notes"] == 1
    assert summary["total"] == 1


def test_the_nightly_task_purges(settings):
    from audit.tasks import purge_expired_data

    old = _attempt("Private detail", days_old=settings.ATTEND_RETENTION_DAYS + 10)

    purge_expired_data.delay()

    old.refresh_from_db()
    assert old.notes == ""


def test_the_purge_is_on_the_beat_schedule():
    from config.beat import beat_schedule

    entry = beat_schedule()["purge-expired-data"]
    assert entry["task"] == "audit.tasks.purge_expired_data"
    assert entry["options"]["expires"] > 0
