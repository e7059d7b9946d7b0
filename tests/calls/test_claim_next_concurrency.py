"""Claim-next under real concurrency: only PostgreSQL's row locks show this."""

import threading
from collections import Counter

import pytest
from django.db import connection

from accounts.models import StaffProfile
from accounts.roles import CALL_HANDLER
from calls.models import CallTask, CallTaskStatus
from calls.services import call_claim_next
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import TeamFactory, UserFactory, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HANDLERS = 20
CALLS = 60


def handlers_in(team, count):
    """`count` call handlers in `team` (roles synced once, not per user)."""
    first = make_user(CALL_HANDLER, username="handler0", team=team)
    group = first.groups.get()
    others = []
    for i in range(1, count):
        user = UserFactory(username=f"handler{i}")
        user.groups.add(group)
        StaffProfile.objects.create(user=user, team=team)
        others.append(user)
    return [first, *others]


def test_twenty_handlers_claiming_at_once_never_get_the_same_call_and_none_is_lost():
    team = TeamFactory()
    handlers = handlers_in(team, HANDLERS)
    calls = [CallTaskFactory(team=team, priority=i / CALLS) for i in range(CALLS)]
    start = threading.Barrier(HANDLERS)
    claims: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(handler):
        try:
            start.wait()
            while (task := call_claim_next(handler=handler)) is not None:
                with lock:
                    claims.append((task.pk, handler.pk))
        except BaseException as exc:  # reported below; a thread must not die silently
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(h,)) for h in handlers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    claimed_ids = Counter(pk for pk, _ in claims)
    assert max(claimed_ids.values()) == 1, "a call was claimed twice"
    assert set(claimed_ids) == {c.pk for c in calls}, "a call was lost"
    in_db = dict(CallTask.objects.values_list("pk", "claimed_by"))
    assert all(in_db[pk] == handler for pk, handler in claims)
    assert not CallTask.objects.exclude(status=CallTaskStatus.CLAIMED).exists()
    assert len({handler for _, handler in claims}) > 1


def test_two_list_builds_at_once_take_turns_and_add_each_patient_once():
    from django.utils import timezone

    from calls.building import build_worklists
    from calls.models import TeamCapacity
    from tests.support.call_factories import scored_appointment

    team = TeamFactory(calls_per_handler=50)
    TeamCapacity.objects.create(team=team, day=timezone.localdate(), handlers_on_shift=1)
    for _ in range(20):
        scored_appointment(0.8)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def build():
        try:
            start.wait()
            build_worklists()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=build) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert CallTask.objects.count() == 20
