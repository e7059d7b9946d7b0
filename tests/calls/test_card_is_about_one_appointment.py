"""The patient card says which appointment the call is about, and keeps the others apart."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from appointments.models import Medium
from calls.models import CallTaskStatus
from tests.support.call_factories import CallTaskFactory, scored_appointment
from tests.support.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def card(client_for, call_handler):
    """A call put on the list by a face-to-face appointment in five days, covering a video
    appointment today and a telephone one next month as well (one patient, three appointments)."""
    chosen = scored_appointment(days_ahead=5)
    chosen.site.directions = "Bus 12 to the main entrance."
    chosen.site.save()
    patient = chosen.patient
    patient.mobile = "+447700900123"
    patient.save()
    video = AppointmentFactory(patient=patient, medium=Medium.VIDEO, starts_at=timezone.now() + timedelta(hours=3))
    phone = AppointmentFactory(patient=patient, medium=Medium.TELEPHONE, starts_at=timezone.now() + timedelta(days=30))
    task = CallTaskFactory(
        appointment=chosen, team=call_handler.staff_profile.team, covering=[chosen, video, phone],
        status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now(),
    )  # fmt: skip
    response = client_for(call_handler).get(reverse("call-card", args=[task.pk]))
    return response, chosen, video, phone


def _section(body: str, element_id: str) -> str:
    start = body.index(f'id="{element_id}"')
    return body[start : body.index("</div></div>", start) if element_id == "call-about" else body.index("</ul>", start)]


def test_the_appointment_that_put_the_patient_on_the_list_is_the_one_the_call_is_about(card):
    response, chosen, _, _ = card
    about = _section(response.content.decode(), "call-about")
    assert chosen.clinic.name in about
    assert "(face to face)" in about and "Bus 12 to the main entrance." in about
    assert response.context["card"].about.appointment == chosen


def test_the_other_upcoming_appointments_are_listed_under_it_without_directions_unless_in_person(card):
    response, _, video, phone = card
    others = _section(response.content.decode(), "other-appointments")
    assert "(video)" in others and "(telephone)" in others
    assert "How to get there" not in others
    assert [a.appointment for a in response.context["card"].other_appointments] == [video, phone]


def test_the_phone_number_is_shown_as_people_read_it_aloud(card):
    response, *_ = card
    assert "07700 900123" in response.content.decode()
    assert "+447700900123" not in response.content.decode()
