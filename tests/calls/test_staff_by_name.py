"""Staff are named as people say them, not by their login: the team page's "Held by", its
reassign choices, the card's "held by" and the card's call history all read "Priya Shah"."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import CallResult, CallTaskStatus
from calls.services import AttemptInput, call_attempt_record
from tests.support.call_factories import CallTaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def named_handler(call_handler):
    call_handler.first_name, call_handler.last_name = "Priya", "Shah"
    call_handler.save(update_fields=["first_name", "last_name"])
    return call_handler


@pytest.fixture
def held(named_handler):
    return CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=named_handler, claimed_at=timezone.now())


def test_the_team_page_says_who_holds_a_call_and_offers_handlers_by_name(client_for, team_lead, held):
    page = client_for(team_lead).get(reverse("team-start")).content.decode()
    assert "Priya Shah</td>" in page and ">handler</td>" not in page  # the "Held by" cell
    assert re.search(r"<option value=\"\d+\"[^>]*>Priya Shah</option>", page), "reassign offers the handler by name"


def test_a_held_call_s_card_and_its_history_name_the_handler(client_for, team_lead, named_handler, held):
    call_attempt_record(task_id=held.pk, handler=named_handler, data=AttemptInput(result=CallResult.NO_ANSWER))
    held.refresh_from_db()
    held.status, held.claimed_by, held.claimed_at = CallTaskStatus.CLAIMED, named_handler, timezone.now()
    held.save()
    page = client_for(team_lead).get(reverse("call-card", args=[held.pk])).content.decode()
    assert "held by Priya Shah." in page
    assert "call by Priya Shah" in page
    assert "by handler" not in page
