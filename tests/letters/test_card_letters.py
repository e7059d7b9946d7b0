"""The call card shows the texts and letters about the appointment the call is for, each with its
state and date (planned, sent, posted, returned), why a channel was not used, and an address a
letter came back from."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CALL_HANDLER
from calls.models import CallTaskStatus
from calls.transitions import call_transition
from letters.models import Letter, LetterStatus
from letters.planning import letters_plan
from letters.returns import letter_returned_record
from reminders.models import Reminder, ReminderStatus
from tests.support.call_factories import CallTaskFactory, scored_appointment
from tests.support.factories import PatientFactory, TeamFactory, make_user

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ADDRESS = {"address_line_1": "12 Mill Lane", "address_line_2": "Leeds", "postcode": "LS1 4AP"}


@pytest.fixture
def card(client, settings):
    settings.ATTEND_LETTER_BACKEND = "print"
    team = TeamFactory(name="Outreach")
    handler = make_user(CALL_HANDLER, username="caller", team=team)
    appointment = scored_appointment(0.9, patient=PatientFactory(mobile="", **ADDRESS))
    task = CallTaskFactory(team=team, appointment=appointment)
    call_transition(task, to=CallTaskStatus.CLAIMED, claimed_by=handler)
    client.force_login(handler)
    return appointment, lambda: client.get(reverse("call-card", args=[task.pk])).content.decode()


def test_the_card_lists_the_appointments_letter_beside_its_texts_with_their_states_and_dates(card):
    appointment, page = card
    letters_plan(now=appointment.starts_at - timedelta(days=12))
    letter = Letter.objects.get(appointment=appointment)
    Reminder.objects.create(
        appointment=appointment, rule="2d", due_at=appointment.starts_at - timedelta(days=2),
        status=ReminderStatus.SKIPPED, skip_reason="no mobile number", status_changed_at=timezone.now(),
    )  # fmt: skip

    shown = page()
    assert f"Letter: planned for posting on {letter.due_on:%-d %B %Y}" in shown
    assert "Text: skipped" in shown and "no mobile number" in shown
    assert "No text: no mobile number" in shown

    posted = datetime(2026, 6, 12, 9, 0, tzinfo=LONDON)
    Letter.objects.filter(pk=letter.pk).update(status=LetterStatus.DELIVERED, status_changed_at=posted, sent_at=posted)
    assert "Letter: posted 12 June 2026" in page()


def test_a_returned_letter_shows_on_the_card_with_the_address_not_working(card):
    appointment, page = card
    letters_plan(now=appointment.starts_at - timedelta(days=12))
    letter = Letter.objects.get(appointment=appointment)
    Letter.objects.filter(pk=letter.pk).update(status=LetterStatus.PRINTED, printed_at=timezone.now())

    assert letter_returned_record(reference=f"attend-letter-{letter.pk}", source="returned-letters list") == "returned"

    shown = page()
    assert f"Letter: returned undelivered {timezone.localdate():%-d %B %Y}" in shown
    assert "A letter to this address came back" in shown
