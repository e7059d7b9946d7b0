from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import CALL_HANDLER
from calls.models import CallTaskStatus
from calls.services import NotInTeam, call_claim_next
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import TeamFactory, make_user

pytestmark = pytest.mark.django_db


def test_claim_next_gives_the_highest_priority_unclaimed_call(call_handler):
    CallTaskFactory(priority=0.4)
    top = CallTaskFactory(priority=0.9)
    CallTaskFactory(priority=0.6)
    claimed = call_claim_next(handler=call_handler)
    assert claimed.pk == top.pk
    top.refresh_from_db()
    assert (top.status, top.claimed_by) == (CallTaskStatus.CLAIMED, call_handler)


def test_two_handlers_claiming_in_turn_get_different_calls(call_handler):
    other = make_user(CALL_HANDLER, username="other")
    CallTaskFactory(priority=0.4)
    CallTaskFactory(priority=0.9)
    first = call_claim_next(handler=call_handler)
    second = call_claim_next(handler=other)
    assert first.pk != second.pk


def test_claim_next_returns_none_when_the_list_is_worked(call_handler):
    CallTaskFactory(status=CallTaskStatus.DONE)
    assert call_claim_next(handler=call_handler) is None


def test_a_no_answer_call_is_not_offered_again_before_its_spacing(call_handler):
    CallTaskFactory(status=CallTaskStatus.RETRY, not_before=timezone.now() + timedelta(hours=1))
    assert call_claim_next(handler=call_handler) is None


def test_a_no_answer_call_comes_back_after_its_spacing(call_handler):
    retry = CallTaskFactory(status=CallTaskStatus.RETRY, not_before=timezone.now() - timedelta(minutes=1))
    assert call_claim_next(handler=call_handler).pk == retry.pk


def test_a_handler_only_claims_from_their_own_teams_list(call_handler):
    CallTaskFactory(team=TeamFactory(name="Another team"))
    assert call_claim_next(handler=call_handler) is None


def test_a_handler_without_a_team_is_told_so(call_handler):
    call_handler.staff_profile.team = None
    call_handler.staff_profile.save()
    with pytest.raises(NotInTeam):
        call_claim_next(handler=call_handler)
