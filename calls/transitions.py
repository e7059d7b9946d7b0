"""The call's status machine, guarded here and nowhere else.

    queued ─claim─▶ claimed ─reached, or tried enough─▶ done
      ▲  ▲            │ │ └─no answer─▶ retry ─claim─▶ claimed …
      │  └─release────┘ └─reassign─▶ claimed (another handler)
      └─carry over (a claim left from an earlier day)
    queued | claimed | retry ─no longer needed─▶ cancelled

Done and cancelled are final: nothing leaves them. Every change is one conditional
UPDATE (`WHERE status IN (allowed sources)`), so two handlers, a team lead and the
night's import can race and only one of them moves a call; the others change no row
and learn it from the count. Every exit from "claimed" clears the claim (who holds it
and since when), so a card's visibility, which follows the claim, ends with it; entering
"claimed" always names the handler. Closing stamps `closed_at` and needs a reason.

Claim-next has two implementations side by side: one PostgreSQL statement that picks,
locks (SKIP LOCKED) and claims, and a portable pick-then-conditional-update loop for
SQLite; tests/calls/test_claim_engines.py runs both on the same lists. Both skip patients
who asked not to be called, and both give a handler who speaks other languages (their
staff profile's) the calls to patients who prefer one of them first, then by priority.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Case, QuerySet, When
from django.utils import timezone

from accounts.models import StaffProfile
from accounts.selectors import team_of
from calls.models import CLAIMABLE_STATUSES, CallTask, CallTaskStatus, DoNotCall
from patients.models import Patient

S = CallTaskStatus

# to-status → the statuses it may be entered from.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    S.CLAIMED: frozenset({S.QUEUED, S.RETRY, S.CLAIMED}),  # claimed → claimed: a lead reassigns it
    S.QUEUED: frozenset({S.CLAIMED}),  # released, or carried over from an earlier day
    S.RETRY: frozenset({S.CLAIMED}),
    S.DONE: frozenset({S.CLAIMED}),
    S.CANCELLED: frozenset({S.QUEUED, S.CLAIMED, S.RETRY}),
}
FINAL_STATUSES = frozenset({S.DONE, S.CANCELLED})


class IllegalCallTransition(ValueError):
    pass


def _changes_for(to: str, now: datetime, claimed_by: Any, close_reason: str | None) -> dict[str, Any]:
    if to not in ALLOWED_FROM:
        raise IllegalCallTransition(f"no transition into {to!r}")
    if to == S.CLAIMED:
        if claimed_by is None:
            raise IllegalCallTransition("a claimed call names the handler who holds it")
        return {"status": to, "claimed_by": claimed_by, "claimed_at": now}
    changes: dict[str, Any] = {"status": to, "claimed_by": None, "claimed_at": None}
    if to in FINAL_STATUSES:
        if not close_reason:
            raise IllegalCallTransition("a closed call says why it closed")
        changes.update(closed_at=now, close_reason=close_reason[:200])
    return changes


def calls_transition(
    calls: QuerySet[CallTask],
    *,
    to: str,
    now: datetime | None = None,
    claimed_by: Any = None,
    close_reason: str | None = None,
    **other_changes: Any,
) -> int:
    """Move every call in `calls` whose status allows it to `to`, in one guarded UPDATE;
    returns how many moved. `other_changes` are further columns to set in the same
    statement (attempts made, when to retry, the list date)."""
    changes = _changes_for(to, now or timezone.now(), claimed_by, close_reason)
    return calls.filter(status__in=ALLOWED_FROM[to]).update(**changes, **other_changes)


def call_transition(task: CallTask, *, to: str, now: datetime | None = None, **kwargs: Any) -> bool:
    """Move one call (and the instance in hand) to `to` if its status allows it; True if it moved."""
    now = now or timezone.now()
    moved = calls_transition(CallTask.objects.filter(pk=task.pk), to=to, now=now, **kwargs) == 1
    if moved:
        for name, value in _changes_for(to, now, kwargs.get("claimed_by"), kwargs.get("close_reason")).items():
            setattr(task, name, value)
        for name, value in kwargs.items():
            if name not in ("claimed_by", "close_reason"):
                setattr(task, name, value)
    return moved


def calls_create_closed(tasks: list[CallTask]) -> list[CallTask]:
    """Record calls that were made before Attend held them (the demo's past pilot, a history
    brought over from another system) as done, in bulk: they enter the machine already in a
    final state, unclaimed, each with its own `closed_at` and `close_reason`."""
    for task in tasks:
        if task.closed_at is None or not task.close_reason:
            raise IllegalCallTransition("a call recorded as done says when and why it closed")
        task.status, task.claimed_by, task.claimed_at = S.DONE, None, None
    return CallTask.objects.bulk_create(tasks, batch_size=2000)


def claim_next(team_id: int | None, handler: Any, now: datetime) -> CallTask | None:
    """Claim the highest-priority claimable call on a team's list for `handler`, or None.
    `team_id` None means "the handler's own team" (found in the same statement on PostgreSQL)."""
    if connection.vendor == "postgresql":
        return claim_next_postgres(team_id, handler, now)
    return claim_next_portable(team_id, handler, now)


def _languages_of(handler: Any) -> list[str]:
    profile = StaffProfile.objects.filter(user_id=handler.pk).first()
    return profile.language_list if profile else []


def claim_next_portable(team_id: int | None, handler: Any, now: datetime) -> CallTask | None:
    """Pick, then claim with a conditional update; the loser of a race tries the next call."""
    if team_id is None:
        team = team_of(handler)
        if team is None:
            return None
        team_id = team.pk
    languages = _languages_of(handler)
    first = [Case(When(patient__preferred_language__in=languages, then=0), default=1)] if languages else []
    for _ in range(20):
        task = (
            CallTask.objects.filter(team_id=team_id).claimable(now).of_patients_to_call()
            .order_by(*first, "-priority", "pk").first()
        )  # fmt: skip
        if task is None:
            return None
        if call_transition(task, to=S.CLAIMED, now=now, claimed_by=handler):
            return task
    return None


def claim_next_postgres(team_id: int | None, handler: Any, now: datetime) -> CallTask | None:
    """One statement: the same rules as CallTask.objects.claimable(now), written out so the
    pick, the lock and the claim are one round trip; the partial index calltask_claimable
    serves the ORDER BY … LIMIT 1, and SKIP LOCKED lets concurrent handlers each take a
    different call without waiting."""
    columns = [f.column for f in CallTask._meta.concrete_fields]
    table = CallTask._meta.db_table
    # A claim lost in a database crash only puts the call back on the list, so when the
    # statement is its own transaction its commit need not wait for the disk
    # (synchronous_commit off for that transaction alone). Inside a caller's transaction
    # the caller's other writes deserve the usual durability, so it is left on.
    no_disk_wait = None if connection.in_atomic_block else "off"
    team = "%(team)s" if team_id is not None else "(SELECT team_id FROM accounts_staffprofile WHERE user_id = %(user)s)"
    do_not_call = DoNotCall._meta.db_table
    # Handlers who speak the patient's language get those calls first. Only a handler with
    # languages pays for the sort; everyone else's pick is the partial index's first row.
    languages = _languages_of(handler)
    patients = Patient._meta.db_table
    language = f"(SELECT p.preferred_language FROM {patients} p WHERE p.id = pick.patient_id)"  # noqa: S608
    language_first = f"{language} = ANY(%(languages)s) DESC, " if languages else ""
    sql = f"""
        WITH commit_mode AS (SELECT set_config(
            'synchronous_commit', COALESCE(%(commit_mode)s, current_setting('synchronous_commit')), true
        ) AS setting)
        UPDATE {table} SET status = %(claimed)s, claimed_by_id = %(user)s, claimed_at = %(now)s
        WHERE EXISTS (SELECT 1 FROM commit_mode) AND id = (
            SELECT pick.id FROM {table} pick
            WHERE pick.team_id = {team}
              AND pick.status = ANY(%(claimable)s)
              AND pick.list_date <= %(today)s
              AND (pick.not_before IS NULL OR pick.not_before <= %(now)s)
              AND NOT EXISTS (
                SELECT 1 FROM {do_not_call} dnc WHERE dnc.patient_id = pick.patient_id AND dnc.lifted_at IS NULL
              )
            ORDER BY {language_first}pick.priority DESC, pick.id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        )
        RETURNING {", ".join(columns)}
    """  # noqa: S608 (table and column names come from the model, values are parameters)
    params = {
        "user": handler.pk, "team": team_id, "now": now, "today": timezone.localdate(now),
        "commit_mode": no_disk_wait, "claimed": S.CLAIMED, "claimable": list(CLAIMABLE_STATUSES),
        "languages": languages,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return CallTask.from_db(connection.alias, [f.attname for f in CallTask._meta.concrete_fields], row)
