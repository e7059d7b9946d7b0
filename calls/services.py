"""Working the call list: claim the next call, record what happened, release or reassign.

Every state change of a CallTask happens here, guarded by its current status:

    queued ─claim─▶ claimed ─attempt─▶ done
      ▲                │  └─no answer─▶ retry ─claim─▶ claimed …
      └────release─────┘
    (any open state ─appointment gone─▶ cancelled; done and cancelled are final)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import Team
from accounts.selectors import team_of
from appointments.models import Appointment
from audit.models import AuditAction
from audit.services import audit_record, field_changes
from calls.models import (
    OPEN_CALL_STATUSES,
    BookingRequestKind,
    CallAttempt,
    CallResult,
    CallTask,
    CallTaskStatus,
    Intention,
    SupportOffer,
    SupportStatus,
    SupportType,
    TeamCapacity,
)
from calls.requests import booking_request_create
from patients.identifiers import parse_phone
from patients.models import EthnicCategory, Patient

CLAIMABLE = (CallTaskStatus.QUEUED, CallTaskStatus.RETRY)
NOT_ANSWERED = (CallResult.NO_ANSWER, CallResult.VOICEMAIL)
CONTACT_FIELDS = ("mobile", "preferred_language", "interpreter_required", "ethnic_category")


class WorklistError(Exception):
    """A request the call list cannot carry out; the message is shown to the person."""


class StaleClaim(WorklistError):
    """The call is not (or no longer) claimed by this handler."""

    default_message = "This call is no longer yours: it was released or given to someone else. Nothing was saved."


class InvalidAttempt(WorklistError):
    """The attempt is incomplete or contradictory."""


class AppointmentNoLongerUpcoming(WorklistError):
    """Every appointment the call was about has been cancelled or has happened."""


class NotInTeam(WorklistError):
    """The person is not in the team whose list this is."""


@dataclass
class SupportInput:
    support_type: str
    status: str = SupportStatus.OFFERED
    language: str = ""
    detail: str = ""


@dataclass
class AttemptInput:
    result: str
    intention: str = ""
    notes: str = ""
    support: list[SupportInput] = field(default_factory=list)
    contact: dict[str, Any] = field(default_factory=dict)


def _claimable(team: Team, now: datetime):
    return (
        CallTask.objects.filter(team=team, list_date__lte=timezone.localdate(now), status__in=CLAIMABLE)
        .filter(Q(not_before__isnull=True) | Q(not_before__lte=now))
        .order_by("-priority", "pk")
    )


def call_claim_next(*, handler: Any, now: datetime | None = None) -> CallTask | None:
    """Claim the highest-priority unclaimed call on the handler's team list, or None if none is left.

    On PostgreSQL one statement finds the row with SELECT … FOR UPDATE SKIP LOCKED and
    marks it claimed, so concurrent handlers each lock a different call without waiting
    and a claim costs one round trip. Elsewhere (SQLite) a conditional update claims it
    and the loser of a race tries the next call.
    """
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        task = _claim_next_postgres(handler, now)  # finds the handler's team in the same statement
        in_team = task is not None or team_of(handler) is not None
    else:
        team = team_of(handler)
        task = _claim_next_portable(team, handler, now) if team is not None else None
        in_team = team is not None
    if not in_team:
        raise NotInTeam("You are not in a call-handling team: ask your team lead to add you.")
    return task


def _claim_next_portable(team: Team, handler: Any, now: datetime) -> CallTask | None:
    for _ in range(20):
        task = _claimable(team, now).first()
        if task is None:
            return None
        claimed = CallTask.objects.filter(pk=task.pk, status__in=CLAIMABLE).update(
            status=CallTaskStatus.CLAIMED, claimed_by=handler, claimed_at=now
        )
        if claimed == 1:
            task.status, task.claimed_by, task.claimed_at = CallTaskStatus.CLAIMED, handler, now
            return task
    return None


def _claim_next_postgres(handler: Any, now: datetime) -> CallTask | None:
    # The same rules as _claimable(), written out so the pick, the lock and the claim are
    # one statement; the partial index calltask_claimable serves the ORDER BY … LIMIT 1.
    columns = [f.column for f in CallTask._meta.concrete_fields]
    # A claim lost in a database crash only puts the call back on the list, so when the
    # statement is its own transaction its commit need not wait for the disk
    # (synchronous_commit off for that transaction alone). Inside a caller's transaction
    # the caller's other writes deserve the usual durability, so it is left on.
    no_disk_wait = None if connection.in_atomic_block else "off"
    sql = f"""
        WITH commit_mode AS (SELECT set_config(
            'synchronous_commit', COALESCE(%(commit_mode)s, current_setting('synchronous_commit')), true
        ) AS setting)
        UPDATE outreach_calltask SET status = 'claimed', claimed_by_id = %(user)s, claimed_at = %(now)s
        WHERE EXISTS (SELECT 1 FROM commit_mode) AND id = (
            SELECT pick.id FROM outreach_calltask pick
            WHERE pick.team_id = (SELECT team_id FROM accounts_staffprofile WHERE user_id = %(user)s)
              AND pick.status IN ('queued', 'retry')
              AND pick.list_date <= %(today)s
              AND (pick.not_before IS NULL OR pick.not_before <= %(now)s)
            ORDER BY pick.priority DESC, pick.id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        )
        RETURNING {", ".join(columns)}
    """  # noqa: S608 (column names come from the model, values are parameters)
    with connection.cursor() as cursor:
        cursor.execute(
            sql, {"user": handler.pk, "now": now, "today": timezone.localdate(now), "commit_mode": no_disk_wait}
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return CallTask.from_db(connection.alias, [f.attname for f in CallTask._meta.concrete_fields], row)


def _locked_claim(task_id: int, handler: Any) -> CallTask:
    task = CallTask.objects.select_for_update().select_related("patient", "appointment").get(pk=task_id)
    if task.status != CallTaskStatus.CLAIMED or task.claimed_by_id != handler.pk:
        raise StaleClaim(StaleClaim.default_message)
    return task


def _check_attempt(data: AttemptInput) -> None:
    if data.result not in CallResult.values:
        raise InvalidAttempt("Choose what happened on the call.")
    if data.intention and data.intention not in Intention.values:
        raise InvalidAttempt("Choose a valid intention.")
    if data.result != CallResult.REACHED and (data.intention or data.support):
        raise InvalidAttempt("Intention and support can only be recorded when the patient was reached.")
    seen = set()
    for offer in data.support:
        if offer.support_type not in SupportType.values:
            raise InvalidAttempt(f"Unknown support type {offer.support_type!r}.")
        if offer.support_type in seen:
            raise InvalidAttempt(f"{SupportType(offer.support_type).label} is recorded twice.")
        seen.add(offer.support_type)
        if offer.status not in SupportStatus.values:
            raise InvalidAttempt(f"Unknown support status {offer.status!r}.")
        if offer.support_type == SupportType.INTERPRETER and not offer.language.strip():
            raise InvalidAttempt("Say which language the interpreter is for.")
        if offer.support_type == SupportType.OTHER and not offer.detail.strip():
            raise InvalidAttempt("Describe the other support offered.")


def _clean_contact(patient: Patient, contact: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in contact.items():
        if name not in CONTACT_FIELDS or value is None:
            continue
        if name == "mobile":
            value = (value or "").strip()
            if value:
                try:
                    value = parse_phone(value).e164
                except ValueError as exc:
                    raise InvalidAttempt(f"The phone number is not valid: {exc}.") from None
        if name == "ethnic_category" and value not in ("", *EthnicCategory.values):
            raise InvalidAttempt("Choose an ethnic category from the list.")
        if name == "preferred_language":
            value = (value or "").strip().lower()
            if not value or len(value) > 8:
                raise InvalidAttempt("Give the preferred language as a short code, e.g. 'en' or 'pl'.")
        cleaned[name] = value
    return cleaned


def _retry_or_close(task: CallTask, result: str, now: datetime, first_appointment: Appointment) -> None:
    if result in NOT_ANSWERED:
        retry_at = now + timedelta(minutes=settings.ATTEND_CALL_RETRY_AFTER_MINUTES)
        if task.attempts_made < settings.ATTEND_CALL_MAX_ATTEMPTS and retry_at < first_appointment.starts_at:
            task.status, task.not_before = CallTaskStatus.RETRY, retry_at
            task.claimed_by, task.claimed_at = None, None
            return
        task.close_reason = f"not answered after {task.attempts_made} attempts"
    else:
        task.close_reason = CallResult(result).label
    task.status, task.closed_at = CallTaskStatus.DONE, now


def call_attempt_record(
    *, task_id: int, handler: Any, data: AttemptInput, request: Any = None, now: datetime | None = None
) -> CallAttempt:
    """Record one attempt on a call the handler has claimed: the result, the patient's
    intention, support offered and corrected contact details (audited). All or nothing.

    A call whose appointments have all been cancelled or have happened is closed (after the
    attempt's transaction rolled back) and AppointmentNoLongerUpcoming raised, as it says."""
    try:
        return _call_attempt_record(task_id=task_id, handler=handler, data=data, request=request, now=now)
    except AppointmentNoLongerUpcoming:
        call_close_if_unneeded(task_id=task_id)
        raise


@transaction.atomic
def _call_attempt_record(
    *, task_id: int, handler: Any, data: AttemptInput, request: Any = None, now: datetime | None = None
) -> CallAttempt:
    now = now or timezone.now()
    task = _locked_claim(task_id, handler)
    _check_attempt(data)
    upcoming = list(task.appointments.upcoming(now).order_by("starts_at"))
    if not upcoming:
        raise AppointmentNoLongerUpcoming(
            "The appointment has been cancelled or has already happened, so this call is no longer needed "
            "and has been taken off the list. Nothing was saved."
        )
    contact = _clean_contact(task.patient, data.contact)

    attempt = CallAttempt.objects.create(
        task=task, handler=handler, result=data.result, intention=data.intention, notes=data.notes
    )
    about = task.appointment if task.appointment in upcoming else upcoming[0]
    SupportOffer.objects.bulk_create(
        SupportOffer(
            attempt=attempt,
            appointment=about,
            support_type=offer.support_type,
            status=offer.status,
            language=offer.language.strip() if offer.support_type == SupportType.INTERPRETER else "",
            detail=offer.detail.strip(),
        )
        for offer in data.support
    )
    if data.intention in (Intention.REBOOK, Intention.CANCEL):
        kind = BookingRequestKind.REBOOK if data.intention == Intention.REBOOK else BookingRequestKind.CANCEL
        booking_request_create(patient=task.patient, kind=kind, source="call", appointment=about)
    _correct_contact(task.patient, contact, handler, request)

    task.attempts_made += 1
    _retry_or_close(task, data.result, now, upcoming[0])
    task.save(
        update_fields=["attempts_made", "status", "not_before", "claimed_by", "claimed_at", "closed_at", "close_reason"]
    )
    return attempt


@transaction.atomic
def call_close_if_unneeded(*, task_id: int, now: datetime | None = None) -> bool:
    """Take a call off the list when none of its appointments is upcoming any more
    (cancelled or moved since the list was built). Returns whether it was closed."""
    now = now or timezone.now()
    task = CallTask.objects.select_for_update().get(pk=task_id)
    if task.status not in OPEN_CALL_STATUSES or task.appointments.upcoming(now).exists():
        return False
    task.status, task.closed_at, task.close_reason = CallTaskStatus.CANCELLED, now, "appointment cancelled or happened"
    task.claimed_by, task.claimed_at = None, None
    task.save(update_fields=["status", "closed_at", "close_reason", "claimed_by", "claimed_at"])
    return True


def _correct_contact(patient: Patient, contact: dict[str, Any], actor: Any, request: Any) -> None:
    changes = field_changes(patient, contact)
    if not changes:
        return
    for name in changes:
        setattr(patient, name, contact[name])
    if "mobile" in changes:
        patient.mobile_unusable = False
    patient.save(update_fields=[*changes, "mobile_unusable", "updated_at"])
    audit_record(
        action=AuditAction.CHANGE,
        target=patient,
        actor=actor,
        request=request,
        summary="Contact details corrected on a call",
        changes=changes,
    )


def _lead_check(task: CallTask, lead: Any) -> None:
    if team_of(lead) != task.team or not lead.has_perm("accounts.lead_team"):
        raise NotInTeam("Only a lead of this call's team can release or reassign it.")


@transaction.atomic
def call_release(*, task_id: int, by: Any) -> CallTask:
    """Put a claimed call back on the list. The handler holding it, or their team lead, may."""
    task = CallTask.objects.select_for_update().get(pk=task_id)
    if task.claimed_by_id != by.pk:
        _lead_check(task, by)
    if task.status != CallTaskStatus.CLAIMED:
        raise StaleClaim("This call is not claimed, so there is nothing to release.")
    task.status, task.claimed_by, task.claimed_at = CallTaskStatus.QUEUED, None, None
    task.save(update_fields=["status", "claimed_by", "claimed_at"])
    return task


@transaction.atomic
def call_reassign(*, task_id: int, to_handler: Any, by: Any, now: datetime | None = None) -> CallTask:
    """A team lead gives an open call to a handler in the same team."""
    task = CallTask.objects.select_for_update().get(pk=task_id)
    _lead_check(task, by)
    if team_of(to_handler) != task.team or not to_handler.has_perm("accounts.work_call_list"):
        raise NotInTeam("A call can only be given to a call handler in the same team.")
    if task.status not in (CallTaskStatus.QUEUED, CallTaskStatus.RETRY, CallTaskStatus.CLAIMED):
        raise StaleClaim("This call is closed and cannot be reassigned.")
    task.status, task.claimed_by, task.claimed_at = CallTaskStatus.CLAIMED, to_handler, now or timezone.now()
    task.save(update_fields=["status", "claimed_by", "claimed_at"])
    return task


SUPPORT_NEXT = {
    SupportStatus.OFFERED: {SupportStatus.ACCEPTED, SupportStatus.ARRANGED, SupportStatus.DECLINED},
    SupportStatus.ACCEPTED: {SupportStatus.ARRANGED, SupportStatus.DECLINED},
    SupportStatus.ARRANGED: set(),
    SupportStatus.DECLINED: set(),
}


@transaction.atomic
def support_offer_update(*, offer_id: int, status: str, by: Any) -> SupportOffer:
    """Move a support offer on: offered → accepted → arranged (or declined). Final states stay."""
    offer = SupportOffer.objects.select_for_update().select_related("attempt__task").get(pk=offer_id)
    if offer.attempt.task.team != team_of(by):
        raise NotInTeam("This support offer belongs to another team's call.")
    if status not in SupportStatus.values:
        raise InvalidAttempt(f"Unknown support status {status!r}.")
    if status != offer.status and status not in SUPPORT_NEXT[SupportStatus(offer.status)]:
        raise InvalidAttempt(
            f"Support that is {SupportStatus(offer.status).label.lower()} cannot become "
            f"{SupportStatus(status).label.lower()}."
        )
    offer.status = status
    offer.save(update_fields=["status", "updated_at"])
    return offer


@transaction.atomic
def capacity_set(*, team: Team, day: date, handlers_on_shift: int, by: Any) -> TeamCapacity:
    """Set how many handlers are on shift in the team on a day (a team lead's job)."""
    if team_of(by) != team or not by.has_perm("accounts.lead_team"):
        raise NotInTeam("Only a lead of this team can set its capacity.")
    if handlers_on_shift < 0 or handlers_on_shift > 500:
        raise InvalidAttempt("Handlers on shift must be between 0 and 500.")
    capacity, _ = TeamCapacity.objects.update_or_create(
        team=team, day=day, defaults={"handlers_on_shift": handlers_on_shift, "set_by": by}
    )
    return capacity
