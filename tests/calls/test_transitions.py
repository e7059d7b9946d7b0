"""The call's one state machine (calls/transitions.py): what may follow what, and the claim."""

import re
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.roles import CALL_HANDLER
from calls.models import CallTask, CallTaskStatus
from calls.transitions import ALLOWED_FROM, IllegalCallTransition, call_transition, calls_transition
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db
S = CallTaskStatus
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def held(call_handler):
    task = CallTaskFactory()
    assert call_transition(task, to=S.CLAIMED, claimed_by=call_handler)
    return task


@pytest.mark.parametrize("final", [S.DONE, S.CANCELLED])
@pytest.mark.parametrize("target", list(ALLOWED_FROM))
def test_done_and_cancelled_calls_never_leave_their_state(held, call_handler, final, target):
    call_transition(held, to=final, close_reason="closed in the test")
    moved = call_transition(held, to=target, claimed_by=call_handler, close_reason="again")
    held.refresh_from_db()
    assert not moved
    assert held.status == final


@pytest.mark.parametrize("exit_to", [S.QUEUED, S.RETRY, S.DONE, S.CANCELLED])
def test_every_exit_from_claimed_clears_the_claim(held, exit_to):
    assert call_transition(held, to=exit_to, close_reason="closed in the test")
    held.refresh_from_db()
    assert (held.status, held.claimed_by, held.claimed_at) == (exit_to, None, None)
    assert not CallTask.objects.claimed_by(held.claimed_by).exists()


def test_closing_a_call_stamps_when_and_why(held):
    call_transition(held, to=S.DONE, close_reason="Reached the patient")
    held.refresh_from_db()
    assert held.closed_at is not None
    assert held.close_reason == "Reached the patient"


def test_a_call_cannot_close_without_a_reason_or_be_claimed_by_nobody(held):
    with pytest.raises(IllegalCallTransition):
        call_transition(held, to=S.DONE)
    with pytest.raises(IllegalCallTransition):
        call_transition(CallTaskFactory(), to=S.CLAIMED)


def test_a_waiting_call_cannot_be_done_without_someone_holding_it():
    task = CallTaskFactory()
    assert not call_transition(task, to=S.DONE, close_reason="skipped the claim")
    task.refresh_from_db()
    assert task.status == S.QUEUED


def test_reassigning_moves_the_claim_to_the_new_handler(held):
    other = make_user(CALL_HANDLER, username="other")
    assert call_transition(held, to=S.CLAIMED, claimed_by=other)
    assert list(CallTask.objects.claimed_by(other)) == [held]


def test_a_bulk_move_changes_only_the_calls_whose_state_allows_it(call_handler):
    waiting, done = CallTaskFactory(), CallTaskFactory()
    calls_transition(CallTask.objects.filter(pk=done.pk), to=S.CANCELLED, close_reason="first")
    moved = calls_transition(CallTask.objects.all(), to=S.CANCELLED, close_reason="second", now=timezone.now())
    assert moved == 1
    assert CallTask.objects.get(pk=waiting.pk).close_reason == "second"
    assert CallTask.objects.get(pk=done.pk).close_reason == "first"


# A write of a call's status: an assignment to a call's `.status` (alone or in a tuple), a
# `status=CallTaskStatus…` keyword in an update or create, or SQL that sets it. Reads
# (comparisons, filters, Q objects) are not writes.
STATUS_WRITE = re.compile(
    r"\b(task|call|existing|calltask)\w*\.status\s*(=(?!=)|,)"
    r"|\bstatus\s*=\s*(CallTaskStatus|S)\.\w+"
    r"|\bSET\s+status\b",
    re.IGNORECASE,
)
READ = re.compile(r"\.(filter|exclude|get)\(|\bQ\(|filter=|==|!=")


def _status_writes_outside_transitions() -> list[str]:
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench"} or "migrations" in relative.parts:
            continue
        text = path.read_text()
        if relative == Path("calls/transitions.py") or "CallTask" not in text:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            code = line.split("#")[0]
            if STATUS_WRITE.search(code) and not READ.search(code):
                offenders.append(f"{relative}:{number}: {line.strip()}")
    return offenders


def test_every_call_status_write_goes_through_the_state_machine():
    assert _status_writes_outside_transitions() == []


@pytest.mark.parametrize(
    "line",
    [
        "task.status = CallTaskStatus.DONE",
        "task.status, task.closed_at = S.DONE, now",
        "CallTask.objects.update(status=CallTaskStatus.QUEUED)",
        "UPDATE outreach_calltask SET status = 'claimed'",
    ],
)
def test_the_status_write_check_sees_each_kind_of_write(line):
    assert STATUS_WRITE.search(line) and not READ.search(line)


@pytest.mark.parametrize(
    "line", ["if task.status == CallTaskStatus.CLAIMED:", "Count('pk', filter=Q(status=CallTaskStatus.DONE))"]
)
def test_the_status_write_check_lets_reads_through(line):
    assert not (STATUS_WRITE.search(line) and not READ.search(line))
