"""Working the call list: claim the next call, record what happened, release or reassign.

Each status change goes through calls.transitions (the one guarded state machine);
these services decide which change a person's action means and check who may make it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Team
from accounts.selectors import team_of
from appointments.models import Appointment
from audit.models import AuditAction
from audit.services import audit_record, field_changes
from calls.do_not_call import asked_not_to_be_called, do_not_call_lift, do_not_call_record
from calls.models import (
    APPOINTMENT_GONE,
    ASKED_NOT_TO_BE_CALLED,
    CLAIMABLE_STATUSES,
    DETAIL_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    BookingRequestKind,
    CallAttempt,
    CallResult,
    CallTask,
    CallTaskStatus,
    DoNotCallSource,
    Intention,
    SupportOffer,
    SupportStatus,
    SupportType,
    TeamCapacity,
)
from calls.requests import booking_request_create
from calls.transitions import call_transition, calls_transition, claim_next
from patients.corrections.services import local_corrections_record
from patients.identifiers import PhoneKind, parse_phone
from patients.models import CommunicationNeed, EthnicCategory, Patient, PreferredChannel

PATIENT_DECEASED = "patient deceased"
NOT_ANSWERED = (CallResult.NO_ANSWER, CallResult.VOICEMAIL)
CONTACT_FIELDS = (
    "mobile", "other_phone", "preferred_language", "interpreter_required", "ethnic_category", "communication_needs",
    "preferred_channel",
)  # fmt: skip


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
    do_not_call: bool = False  # the patient asked not to be called again


def call_claim_next(*, handler: Any, now: datetime | None = None) -> CallTask | None:
    """Claim the highest-priority unclaimed call on the handler's team list, or None if none is left.

    Concurrent handlers each get a different call without waiting (calls.transitions.claim_next)."""
    now = now or timezone.now()
    task = claim_next(None, handler, now)
    if task is None and team_of(handler) is None:
        raise NotInTeam("You are not in a call-handling team: ask your team lead to add you.")
    return task


def _locked_claim(task_id: int, handler: Any) -> CallTask:
    task = CallTask.objects.claimed_by(handler).select_for_update().select_related("patient", "appointment")
    try:
        return task.get(pk=task_id)
    except CallTask.DoesNotExist:
        raise StaleClaim(StaleClaim.default_message) from None


def _check_attempt(data: AttemptInput) -> None:
    if data.result not in CallResult.values:
        raise InvalidAttempt("Choose what happened on the call.")
    if data.intention and data.intention not in Intention.values:
        raise InvalidAttempt("Choose a valid intention.")
    if len(data.notes) > NOTES_MAX_LENGTH:
        raise InvalidAttempt(f"Notes can be at most {NOTES_MAX_LENGTH:,} characters ({len(data.notes):,} given).")
    if data.result != CallResult.REACHED and (data.intention or data.support):
        raise InvalidAttempt("Intention and support can only be recorded when the patient was reached.")
    if data.do_not_call and data.result not in (CallResult.REACHED, CallResult.DECLINED):
        raise InvalidAttempt("Only a patient you spoke to can ask not to be called again.")
    seen = set()
    for offer in data.support:
        if offer.support_type not in SupportType.values:
            raise InvalidAttempt(f"Unknown support type {offer.support_type!r}.")
        if offer.support_type in seen:
            raise InvalidAttempt(f"{SupportType(offer.support_type).label} is recorded twice.")
        seen.add(offer.support_type)
        if offer.status not in SupportStatus.values:
            raise InvalidAttempt(f"Unknown support status {offer.status!r}.")
        if offer.status == SupportStatus.USED:
            raise InvalidAttempt(USED_BEFORE_THE_DAY)
        if offer.support_type == SupportType.INTERPRETER and not offer.language.strip():
            raise InvalidAttempt("Say which language the interpreter is for.")
        if len(offer.detail) > DETAIL_MAX_LENGTH:
            raise InvalidAttempt(f"Support details can be at most {DETAIL_MAX_LENGTH} characters.")
        if offer.support_type == SupportType.OTHER and not offer.detail.strip():
            raise InvalidAttempt("Describe the other support offered.")


def _clean_number(name: str, value: str | None) -> str:
    """A number given on the card in E.164; the mobile field takes only a mobile (texts go to it)."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        phone = parse_phone(value)
    except ValueError as exc:
        raise InvalidAttempt(f"The phone number {value} is not valid: {exc}.") from None
    if name == "mobile" and not phone.is_mobile:
        raise InvalidAttempt(
            f"{value} is a {PhoneKind.LABELS[phone.kind].lower()}, which cannot receive texts: "
            "enter it as the other number."
        )
    return phone.e164


def _clean_contact(patient: Patient, contact: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    for name, value in contact.items():
        if name not in CONTACT_FIELDS or value is None:
            continue
        if name in ("mobile", "other_phone"):
            value = _clean_number(name, value)
        if name == "communication_needs":
            try:
                value = CommunicationNeed.joined(value.split(",") if isinstance(value, str) else value)
            except ValueError as exc:
                raise InvalidAttempt(f"Choose accessible-information needs from the list ({exc}).") from None
        if name == "ethnic_category" and value not in ("", *EthnicCategory.values):
            raise InvalidAttempt("Choose an ethnic category from the list.")
        if name == "preferred_channel" and value not in PreferredChannel.values:
            raise InvalidAttempt("Choose how the patient would like to be reminded from the list.")
        if name == "preferred_language":
            value = (value or "").strip().lower()
            if not value or len(value) > 8:
                raise InvalidAttempt("Give the preferred language as a short code, e.g. 'en' or 'pl'.")
        cleaned[name] = value
    return cleaned


def _retry_or_close(task: CallTask, result: str, now: datetime, first_appointment: Appointment) -> None:
    """After an attempt: try again later if unanswered and there is time, else the call is done."""
    attempts = task.attempts_made + 1
    if result in NOT_ANSWERED:
        retry_at = now + timedelta(minutes=settings.ATTEND_CALL_RETRY_AFTER_MINUTES)
        if attempts < settings.ATTEND_CALL_MAX_ATTEMPTS and retry_at < first_appointment.starts_at:
            call_transition(task, to=CallTaskStatus.RETRY, now=now, attempts_made=attempts, not_before=retry_at)
            return
        reason = f"not answered after {attempts} attempts"
    else:
        reason = CallResult(result).label
    call_transition(task, to=CallTaskStatus.DONE, now=now, attempts_made=attempts, close_reason=reason)


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

    if data.do_not_call:
        call_transition(
            task, to=CallTaskStatus.DONE, now=now, attempts_made=task.attempts_made + 1,
            close_reason=ASKED_NOT_TO_BE_CALLED,
        )  # fmt: skip
        do_not_call_record(
            patient=task.patient, source=DoNotCallSource.CALL, by=handler, attempt=attempt, request=request, now=now
        )
        return attempt
    _retry_or_close(task, data.result, now, upcoming[0])
    return attempt


def calls_close_if_unneeded(
    calls: QuerySet[CallTask], *, now: datetime | None = None, close_reason: str = APPOINTMENT_GONE
) -> int:
    """Take off the list those of `calls` none of whose appointments is upcoming any more
    (cancelled, moved away or happened, or the patient has died); returns how many were closed."""
    now = now or timezone.now()
    unneeded = CallTask.objects.filter(pk__in=calls.no_longer_needed(now).values("pk"))
    return calls_transition(unneeded, to=CallTaskStatus.CANCELLED, now=now, close_reason=close_reason)


@transaction.atomic
def call_close_if_unneeded(*, task_id: int, now: datetime | None = None) -> bool:
    """Take a call off the list when none of its appointments is upcoming any more
    (cancelled or moved since the list was built). Returns whether it was closed."""
    return calls_close_if_unneeded(CallTask.objects.filter(pk=task_id), now=now) == 1


def _correct_contact(
    patient: Patient, contact: dict[str, Any], actor: Any, request: Any, *, source: str = "call"
) -> None:
    changes = field_changes(patient, contact)
    if not changes:
        return
    previous = {name: getattr(patient, name) for name in changes}
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
        summary="Contact details corrected on a call"
        if source == "call"
        else "Contact details corrected by a team lead",
        changes=changes,
    )
    # The next import keeps them.
    local_corrections_record(patient=patient, previous=previous, corrected_by=actor, source=source)


@transaction.atomic
def call_preferred_channel_set(*, task_id: int, channel: str, by: Any, request: Any = None) -> bool:
    """A team lead records how the patient of one of the team's calls would like to be reminded
    (kept as a local correction, audited); returns whether it changed."""
    task = CallTask.objects.select_for_update().select_related("patient").get(pk=task_id)
    _lead_check(task, by)
    cleaned = _clean_contact(task.patient, {"preferred_channel": channel})
    changed = bool(field_changes(task.patient, cleaned))
    _correct_contact(task.patient, cleaned, by, request, source="team_lead")
    return changed


@transaction.atomic
def call_take(*, task_id: int, handler: Any, now: datetime | None = None) -> CallTask:
    """A handler takes a particular waiting call off their team's list (the patient rang back
    and was found by search), as "Call next" would have given it to them in its turn."""
    task = CallTask.objects.select_for_update().get(pk=task_id)
    if task.team != team_of(handler):
        raise NotInTeam("This call is on another team's list.")
    if task.claimed_by_id == handler.pk and task.status == CallTaskStatus.CLAIMED:
        return task
    if asked_not_to_be_called(task.patient_id) is not None:
        raise StaleClaim("This patient asked not to be called.")
    if task.status not in CLAIMABLE_STATUSES or not call_transition(
        task, to=CallTaskStatus.CLAIMED, now=now, claimed_by=handler
    ):
        raise StaleClaim("Someone else is calling this patient, or the call has closed.")
    return task


def _lead_check(task: CallTask, lead: Any) -> None:
    if team_of(lead) != task.team or not lead.has_perm("accounts.lead_team"):
        raise NotInTeam("Only a lead of this call's team can release or reassign it.")


@transaction.atomic
def call_do_not_call(*, task_id: int, by: Any, request: Any = None, now: datetime | None = None) -> bool:
    """A team lead records that the patient of one of the team's calls asked not to be called
    (the call closes); returns False when it was already recorded."""
    task = CallTask.objects.select_for_update().select_related("patient").get(pk=task_id)
    _lead_check(task, by)
    _, recorded = do_not_call_record(
        patient=task.patient, source=DoNotCallSource.TEAM_LEAD, by=by, request=request, now=now
    )
    return recorded


@transaction.atomic
def call_do_not_call_lift(*, patient_id: int, by: Any, request: Any = None) -> bool:
    """A team lead lifts a patient's "do not call" (the patient said they may be called again);
    only for a patient on the lead's team's lists. The next list build may call them."""
    team = team_of(by)
    if team is None or not by.has_perm("accounts.lead_team"):
        raise NotInTeam("Only a team lead can lift a patient's do not call.")
    if not CallTask.objects.filter(team=team, patient_id=patient_id).exists():
        raise NotInTeam("This patient is not on your team's lists.")
    patient = Patient.objects.get(pk=patient_id)
    return do_not_call_lift(patient=patient, by=by, why="a team lead recorded they may be called", request=request)


@transaction.atomic
def call_release(*, task_id: int, by: Any) -> CallTask:
    """Put a claimed call back on the list. The handler holding it, or their team lead, may."""
    task = CallTask.objects.select_for_update().get(pk=task_id)
    if task.claimed_by_id != by.pk:
        _lead_check(task, by)
    if not call_transition(task, to=CallTaskStatus.QUEUED):
        raise StaleClaim("This call is not claimed, so there is nothing to release.")
    return task


@transaction.atomic
def call_reassign(*, task_id: int, to_handler: Any, by: Any, now: datetime | None = None) -> CallTask:
    """A team lead gives an open call to a handler in the same team."""
    task = CallTask.objects.select_for_update().get(pk=task_id)
    _lead_check(task, by)
    if team_of(to_handler) != task.team or not to_handler.has_perm("accounts.work_call_list"):
        raise NotInTeam("A call can only be given to a call handler in the same team.")
    if not call_transition(task, to=CallTaskStatus.CLAIMED, now=now, claimed_by=to_handler):
        raise StaleClaim("This call is closed and cannot be reassigned.")
    return task


SUPPORT_NEXT = {
    SupportStatus.OFFERED: {SupportStatus.ACCEPTED, SupportStatus.ARRANGED, SupportStatus.DECLINED},
    SupportStatus.ACCEPTED: {SupportStatus.ARRANGED, SupportStatus.DECLINED},
    SupportStatus.ARRANGED: {SupportStatus.USED},
    SupportStatus.USED: set(),
    SupportStatus.DECLINED: set(),
}
USED_BEFORE_THE_DAY = "Support can be recorded as used only once the appointment has started."


@transaction.atomic
def support_offer_update(*, offer_id: int, status: str, by: Any, now: datetime | None = None) -> SupportOffer:
    """Move a support offer on: offered → accepted → arranged → used on the day (or declined).
    Final states stay. "Used" is what the patient had on the day, so it can be recorded only once
    the appointment has started (and only for support that was arranged)."""
    now = now or timezone.now()
    offer = SupportOffer.objects.select_for_update().select_related("attempt__task", "appointment").get(pk=offer_id)
    if offer.attempt.task.team != team_of(by):
        raise NotInTeam("This support offer belongs to another team's call.")
    if status not in SupportStatus.values:
        raise InvalidAttempt(f"Unknown support status {status!r}.")
    if status != offer.status and status not in SUPPORT_NEXT[SupportStatus(offer.status)]:
        raise InvalidAttempt(
            f"Support that is {SupportStatus(offer.status).label.lower()} cannot become "
            f"{SupportStatus(status).label.lower()}."
        )
    if status == SupportStatus.USED and offer.status != status and offer.appointment.starts_at > now:
        raise InvalidAttempt(USED_BEFORE_THE_DAY)
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
