"""Texts and calls are separate channels: STOP ends texts only, and "do not call" (from a call
outcome on the card, or a team lead on the team page) ends calls only, audited."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CALL_HANDLER, TEAM_LEAD
from audit.models import AuditEvent
from calls.building import build_worklists
from calls.do_not_call import do_not_call_record
from calls.models import ASKED_NOT_TO_BE_CALLED, CallTask, CallTaskStatus, DoNotCall, DoNotCallSource
from calls.requests import call_request_from_patient
from calls.search import patients_search
from calls.services import AttemptInput, InvalidAttempt, StaleClaim, call_attempt_record, call_take
from calls.transitions import call_transition, claim_next_portable
from reminders.inbound import inbound_record
from reminders.models import OutboxMessage, Reminder, ReminderStatus
from reminders.sending import reminders_sweep
from tests.support.call_factories import CallTaskFactory, scored_appointment
from tests.support.factories import PatientFactory, TeamFactory, make_user

pytestmark = pytest.mark.django_db

MOBILE = "+447700900123"


@pytest.fixture
def team():
    return TeamFactory(name="Outreach", calls_per_handler=10)


@pytest.fixture
def handler(team):
    return make_user(CALL_HANDLER, username="caller", team=team)


@pytest.fixture
def lead(team):
    return make_user(TEAM_LEAD, username="teamlead", team=team)


def _open_call(patient):
    return CallTask.objects.open().filter(patient=patient).first()


def test_a_patient_who_texts_stop_is_still_called_and_never_texted(team, handler):
    appointment = scored_appointment(0.9, patient=PatientFactory(mobile=MOBILE))
    inbound_record(provider_message_id="SM1", from_number=MOBILE, body="STOP")
    assert appointment.patient.__class__.objects.get(pk=appointment.patient_id).sms_opt_out

    summary = build_worklists()

    assert summary["calls_created"] == 1
    assert _open_call(appointment.patient).team == team
    noon = timezone.localtime().replace(hour=12, minute=0)
    reminder = Reminder.objects.create(
        appointment=appointment,
        rule="2d",
        due_at=noon - timedelta(minutes=1),
        appointment_starts_at=appointment.starts_at,
    )
    reminders_sweep(now=noon)
    reminder.refresh_from_db()
    assert (reminder.status, reminder.skip_reason) == (ReminderStatus.SKIPPED, "patient opted out of SMS")
    assert not OutboxMessage.objects.exists()


def _claimed_call(team, handler, **patient):
    task = CallTaskFactory(team=team, appointment=scored_appointment(0.8, patient=PatientFactory(**patient)))
    call_transition(task, to=CallTaskStatus.CLAIMED, claimed_by=handler)
    return task


def test_do_not_call_ticked_on_the_card_closes_the_call_and_the_next_build_adds_none(team, handler, settings):
    settings.ATTEND_CALL_MIN_DAYS_BETWEEN = 0  # only "do not call" keeps them off tomorrow's list
    task = _claimed_call(team, handler, mobile=MOBILE)
    later = scored_appointment(0.95, patient=task.patient, days_ahead=6)

    call_attempt_record(
        task_id=task.pk, handler=handler, data=AttemptInput(result="reached", intention="will_attend", do_not_call=True)
    )

    task.refresh_from_db()
    assert (task.status, task.close_reason) == (CallTaskStatus.DONE, ASKED_NOT_TO_BE_CALLED)
    record = DoNotCall.objects.in_force().get(patient=task.patient)
    assert (record.source, record.recorded_by, record.attempt.task_id) == (DoNotCallSource.CALL, handler, task.pk)
    assert AuditEvent.objects.filter(
        target_id=str(task.patient_id), summary__startswith="Asked not to be called"
    ).exists()
    summary = build_worklists(day=timezone.localdate() + timedelta(days=1))
    assert summary["asked_not_to_be_called"] == 1
    assert not CallTask.objects.open().filter(patient=later.patient).exists()
    assert task.patient.__class__.objects.get(pk=task.patient_id).sms_opt_out is False  # texts go on


def test_do_not_call_cannot_be_ticked_when_nobody_answered(team, handler):
    task = _claimed_call(team, handler)
    with pytest.raises(InvalidAttempt, match="spoke to"):
        call_attempt_record(task_id=task.pk, handler=handler, data=AttemptInput(result="no_answer", do_not_call=True))
    assert not DoNotCall.objects.exists()


def test_a_team_lead_records_do_not_call_on_the_team_page_and_the_open_call_closes(client, team, lead):
    task = CallTaskFactory(team=team)
    client.force_login(lead)

    response = client.post(reverse("team-do-not-call", args=[task.pk]))

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.close_reason) == (CallTaskStatus.CANCELLED, ASKED_NOT_TO_BE_CALLED)
    record = DoNotCall.objects.in_force().get(patient=task.patient)
    assert (record.source, record.recorded_by) == (DoNotCallSource.TEAM_LEAD, lead)
    event = AuditEvent.objects.get(target_id=str(task.patient_id), summary__startswith="Asked not to be called")
    assert event.actor == lead
    page = client.get(reverse("team-start")).content.decode()
    assert "Asked not to be called" in page and task.patient.display_name in page


def test_a_lead_of_another_team_cannot_record_do_not_call(client, team):
    task = CallTaskFactory(team=team)
    client.force_login(make_user(TEAM_LEAD, username="otherlead", team=TeamFactory(name="Elsewhere")))
    response = client.post(reverse("team-do-not-call", args=[task.pk]))
    assert response.status_code == 404
    assert not DoNotCall.objects.exists()
    task.refresh_from_db()
    assert task.status == CallTaskStatus.QUEUED


def test_a_lead_lifts_do_not_call_and_the_next_build_calls_the_patient(client, team, handler, lead):
    task = CallTaskFactory(team=team)
    do_not_call_record(patient=task.patient, source=DoNotCallSource.TEAM_LEAD, by=lead)
    scored_appointment(0.9, patient=task.patient, days_ahead=6)
    client.force_login(lead)

    client.post(reverse("team-do-not-call-lift", args=[task.patient_id]))

    assert not DoNotCall.objects.in_force().exists()
    assert DoNotCall.objects.get().lifted_by == lead  # the history stays
    build_worklists(day=timezone.localdate() + timedelta(days=1))
    assert _open_call(task.patient) is not None


def test_a_call_to_a_patient_who_asked_not_to_be_called_is_never_claimed_or_taken(team, handler, lead):
    asked = CallTaskFactory(team=team, priority=0.99)
    other = CallTaskFactory(team=team, priority=0.5)
    # Recorded without the service (as a racing write would leave it): the claim must still skip it.
    DoNotCall.objects.create(
        patient=asked.patient, recorded_at=timezone.now(), source=DoNotCallSource.TEAM_LEAD, recorded_by=lead
    )
    assert claim_next_portable(team.pk, handler, timezone.now()).pk == other.pk
    with pytest.raises(StaleClaim, match="asked not to be called"):
        call_take(task_id=asked.pk, handler=handler)


def test_search_finds_the_patient_but_offers_no_call(team, handler, lead):
    task = CallTaskFactory(team=team, appointment=scored_appointment(patient=PatientFactory(mobile=MOBILE)))
    do_not_call_record(patient=task.patient, source=DoNotCallSource.TEAM_LEAD, by=lead)
    [match] = patients_search(user=handler, query="07700 900123")
    assert match.open_call is None
    assert match.do_not_call.source == DoNotCallSource.TEAM_LEAD


def test_a_patient_who_asks_for_a_call_by_text_may_be_called_again(team, lead):
    appointment = scored_appointment(patient=PatientFactory(mobile=MOBILE))
    do_not_call_record(patient=appointment.patient, source=DoNotCallSource.CALL, by=lead)

    task = call_request_from_patient(patient=appointment.patient)

    assert task.status == CallTaskStatus.QUEUED
    assert not DoNotCall.objects.in_force().exists()
    assert AuditEvent.objects.filter(summary="May be called again: the patient asked for a call").exists()


def test_the_card_tick_records_do_not_call(client, team, handler):
    task = _claimed_call(team, handler, mobile=MOBILE)
    client.force_login(handler)
    assert "asked not to be called again" in client.get(reverse("call-card", args=[task.pk])).content.decode()
    form = {
        "result": "reached", "intention": "will_attend", "mobile": task.patient.mobile,
        "preferred_language": "en", "interpreter_required": "no", "do_not_call": "on",
    }  # fmt: skip

    response = client.post(reverse("call-card", args=[task.pk]), form)

    assert response.status_code == 302
    assert DoNotCall.objects.in_force().get(patient=task.patient).source == DoNotCallSource.CALL


def test_the_api_records_do_not_call_with_the_attempt(team, handler):
    from rest_framework.test import APIClient

    task = _claimed_call(team, handler)
    api = APIClient()
    api.force_authenticate(handler)
    response = api.post(
        f"/api/v1/worklist/{task.pk}/attempts/", {"result": "declined", "do_not_call": True}, format="json"
    )
    assert response.status_code == 201, response.content
    assert DoNotCall.objects.in_force().filter(patient=task.patient).exists()
