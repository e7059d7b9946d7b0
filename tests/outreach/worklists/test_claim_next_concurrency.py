"""Claim-next under real concurrency: only PostgreSQL's row locks show this."""

import threading
from collections import Counter

import pytest
from django.db import connection

from accounts.roles import CALL_HANDLER
from outreach.models import CallTask, CallTaskStatus
from outreach.worklists.services import call_claim_next
from tests.outreach.factories import CallTaskFactory
from tests.support.factories import TeamFactory, make_user

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HANDLERS = 20
CALLS = 60


def test_twenty_handlers_claiming_at_once_never_get_the_same_call_and_none_is_lost():
    team = TeamFactory()
    handlers = [make_user(CALL_HANDLER, username=f"handler{i}", team=team) for i in range(HANDLERS)]
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
