"""Claim-next's two implementations agree: the PostgreSQL statement (pick, lock, claim in one
round trip) and the portable loop SQLite uses claim the same calls in the same order.

The portable one runs on both engines, so on SQLite it is checked against the rules on its
own; on PostgreSQL (CI) both run on the same lists and must give the same sequence."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.roles import CALL_HANDLER
from calls.models import CallTask, CallTaskStatus
from calls.transitions import call_transition, claim_next_portable, claim_next_postgres
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import TeamFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def lists():
    """Two teams' lists with every rule claim-next applies: priority order, ties by id,
    a retry held back until later, a retry that is due, tomorrow's list, closed calls."""
    now = timezone.now()
    team, other = TeamFactory(name="Ours"), TeamFactory(name="Theirs")
    handler = make_user(CALL_HANDLER, username="caller", team=team)
    for priority in (0.4, 0.9, 0.4, 0.7):
        CallTaskFactory(team=team, priority=priority)
    CallTaskFactory(team=team, priority=0.99, status=CallTaskStatus.RETRY, not_before=now + timedelta(hours=1))
    CallTaskFactory(team=team, priority=0.5, status=CallTaskStatus.RETRY, not_before=now - timedelta(minutes=1))
    CallTaskFactory(team=team, priority=0.95, list_date=timezone.localdate(now) + timedelta(days=1))
    done = CallTaskFactory(team=team, priority=0.98)
    call_transition(done, to=CallTaskStatus.CLAIMED, claimed_by=handler)
    call_transition(done, to=CallTaskStatus.DONE, close_reason="Reached the patient")
    CallTaskFactory(team=other, priority=0.97)
    return team, handler, now


def _claims(claim, team, handler, now) -> list[int]:
    """Every call `claim` gives the handler, in order, inside a transaction rolled back after."""
    with transaction.atomic():
        order = []
        while (task := claim(team.pk, handler, now)) is not None:
            order.append(task.pk)
        transaction.set_rollback(True)
    return order


def test_the_portable_claim_follows_the_lists_rules(lists):
    team, handler, now = lists
    claimed = _claims(claim_next_portable, team, handler, now)
    priorities = [CallTask.objects.get(pk=pk).priority for pk in claimed]
    assert priorities == [0.9, 0.7, 0.5, 0.4, 0.4]
    assert claimed[-2] < claimed[-1]  # a tie goes to the call that joined the list first


@pytest.mark.postgres
def test_both_claim_implementations_give_the_same_calls_in_the_same_order(lists):
    team, handler, now = lists
    assert _claims(claim_next_postgres, team, handler, now) == _claims(claim_next_portable, team, handler, now)


@pytest.mark.postgres
def test_the_postgres_claim_finds_the_handlers_own_team_when_not_told(lists):
    team, handler, now = lists
    with transaction.atomic():
        first = claim_next_postgres(None, handler, now)
        transaction.set_rollback(True)
    assert first.team_id == team.pk
    assert first.claimed_by_id == handler.pk
