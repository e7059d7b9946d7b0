"""A patient who rings back is found by the number on the screen, and their call taken."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CALL_HANDLER
from audit.models import AuditAction, AuditEvent
from calls.models import CallTaskStatus
from calls.search import patients_search
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import TeamFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting(call_handler):
    task = CallTaskFactory(team=call_handler.staff_profile.team)
    patient = task.patient
    patient.mobile, patient.given_name, patient.family_name = "+447700900123", "Amira", "Khan"
    patient.save()
    return task


@pytest.mark.parametrize(
    "typed", ["07700 900123", "+44 7700 900123", "447700900123", "0123", "Khan", "amira khan", "Khan Amira"]
)
def test_a_patient_is_found_by_their_number_in_any_form_its_last_digits_or_their_name(call_handler, waiting, typed):
    assert [m.patient for m in patients_search(user=call_handler, query=typed)] == [waiting.patient]


def test_a_patient_is_found_by_nhs_number_and_hospital_number(call_handler, waiting):
    patient = waiting.patient
    for typed in (patient.nhs_number, patient.nhs_number_display, patient.hospital_number):
        assert [m.patient for m in patients_search(user=call_handler, query=typed)] == [patient]


def test_another_teams_patients_and_patients_on_no_list_are_not_found(call_handler, waiting):
    other = CallTaskFactory(team=TeamFactory(name="Elsewhere")).patient
    other.family_name = "Khan"
    other.save()
    assert [m.patient for m in patients_search(user=call_handler, query="Khan")] == [waiting.patient]


def test_a_single_character_finds_nobody(call_handler, waiting):
    assert patients_search(user=call_handler, query="K") == []


def test_the_handler_takes_the_found_patients_waiting_call_and_sees_the_card(client_for, call_handler, waiting):
    client = client_for(call_handler)
    page = client.get(reverse("patient-search"), {"q": "07700 900123"}).content.decode()
    assert "Amira Khan" in page and "Take this call" in page
    assert AuditEvent.objects.for_target(waiting.patient).filter(action=AuditAction.VIEW).count() == 1
    response = client.post(reverse("call-take", args=[waiting.pk]))
    assert response.url == reverse("call-card", args=[waiting.pk])
    waiting.refresh_from_db()
    assert (waiting.status, waiting.claimed_by) == (CallTaskStatus.CLAIMED, call_handler)


def test_a_call_someone_else_is_making_cannot_be_taken(client_for, call_handler, waiting):
    other = make_user(CALL_HANDLER, username="other", team=call_handler.staff_profile.team)
    waiting.status, waiting.claimed_by, waiting.claimed_at = CallTaskStatus.CLAIMED, other, timezone.now()
    waiting.save()
    client = client_for(call_handler)
    assert "Being called by" in client.get(reverse("patient-search"), {"q": "Khan"}).content.decode()
    response = client.post(reverse("call-take", args=[waiting.pk]), follow=True)
    assert "Someone else is calling this patient" in response.content.decode()
    waiting.refresh_from_db()
    assert waiting.claimed_by == other
