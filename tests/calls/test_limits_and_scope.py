"""What a call's API refuses, and whose patients a team lead's lists show."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import TEAM_LEAD
from calls.models import NOTES_MAX_LENGTH, BookingRequest, CallAttempt, CallTaskStatus
from reminders.models import InboundAction, InboundMessage
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import PatientFactory, TeamFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(call_handler):
    return CallTaskFactory(
        team=call_handler.staff_profile.team,
        status=CallTaskStatus.CLAIMED,
        claimed_by=call_handler,
        claimed_at=timezone.now(),
    )


@pytest.fixture
def api(call_handler):
    client = APIClient()
    client.force_authenticate(call_handler)
    return client


def test_a_body_nested_five_thousand_deep_is_a_400_with_a_reason(api, claimed):
    body = "[" * 5000 + "]" * 5000
    response = api.post(f"/api/v1/worklist/{claimed.pk}/attempts/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]
    assert not CallAttempt.objects.exists()


def test_call_notes_longer_than_the_limit_are_refused_and_nothing_is_saved(api, claimed):
    notes = "x" * (NOTES_MAX_LENGTH + 1)
    response = api.post(
        f"/api/v1/worklist/{claimed.pk}/attempts/", {"result": "reached", "notes": notes}, format="json"
    )
    assert response.status_code == 400
    assert "notes" in response.json()
    assert not CallAttempt.objects.exists()


def test_the_service_refuses_long_notes_whatever_the_caller(call_handler, claimed):
    from calls.services import AttemptInput, InvalidAttempt, call_attempt_record

    with pytest.raises(InvalidAttempt, match="at most"):
        call_attempt_record(
            task_id=claimed.pk, handler=call_handler, data=AttemptInput(result="reached", notes="x" * 5000)
        )


@pytest.fixture
def two_teams(team_lead):
    """The lead's team has a patient on its list; another team has one of its own; a third
    patient texted before any list held them."""
    ours = CallTaskFactory(team=team_lead.staff_profile.team).patient
    theirs = CallTaskFactory(team=TeamFactory(name="Elsewhere")).patient
    nobodys = PatientFactory()
    for patient in (ours, theirs, nobodys):
        BookingRequest.objects.create(patient=patient, kind="rebook", source="sms")
        InboundMessage.objects.create(
            provider_message_id=f"SM{patient.pk}", from_number=patient.mobile or "+447700900999", patient=patient,
            body=f"Note from {patient.hospital_number}", action=InboundAction.FOR_TEAM_LEAD,
        )  # fmt: skip
    return ours, theirs, nobodys


def test_a_team_lead_sees_the_booking_requests_of_their_teams_patients_not_another_teams(
    client_for, team_lead, two_teams
):
    ours, theirs, nobodys = two_teams
    client = client_for(team_lead)
    for url in (reverse("booking-requests"), reverse("booking-requests-csv")):
        body = client.get(url).content.decode()
        assert ours.hospital_number in body and nobodys.hospital_number in body
        assert theirs.hospital_number not in body


def test_a_team_lead_cannot_mark_another_teams_booking_request_done(client_for, team_lead, two_teams):
    theirs = BookingRequest.objects.get(patient=two_teams[1])
    assert client_for(team_lead).post(reverse("booking-request-done", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.handled_at is None


def test_a_team_lead_reads_the_replies_of_their_teams_patients_not_another_teams(client_for, team_lead, two_teams):
    ours, theirs, nobodys = two_teams
    body = client_for(team_lead).get("/replies/").content.decode()
    assert f"Note from {ours.hospital_number}" in body and f"Note from {nobodys.hospital_number}" in body
    assert f"Note from {theirs.hospital_number}" not in body


def test_the_other_teams_lead_sees_their_own(client_for, two_teams):
    ours, theirs, _ = two_teams
    other_lead = make_user(TEAM_LEAD, username="other-lead", team=theirs.call_tasks.get().team)
    body = client_for(other_lead).get(reverse("booking-requests")).content.decode()
    assert theirs.hospital_number in body and ours.hospital_number not in body
