"""The sweep: send the reminders that are due, each exactly once.

Due reminders are rows (an outbox), never long ETA tasks. A sweep claims with
`SELECT … FOR UPDATE SKIP LOCKED` and a conditional update to `sending` stamped with
its own claim token, so concurrent sweeps on several workers never take the same row.
What a crash (SIGKILL, a lost connection) can leave behind:

- the database backend claims a batch, writes its outbox rows and moves it to `sent`
  in one transaction: a worker killed mid-batch leaves nothing claimed and nothing
  written (the database rolls the batch back), and the next sweep sends it, once;
- a provider outside our transaction (Twilio) is claimed one reminder at a time, and each
  is marked "handed to the provider" (committed) just before the HTTP call. A crash leaves
  only the message in flight claimed; after ATTEND_SMS_CLAIM_TIMEOUT_SECONDS it is taken
  back, and before it is sent again the provider is asked whether it has it: if so it is
  recorded as sent, if not it is sent; if the provider cannot say, it is failed and
  flagged `delivery_uncertain` (logged at ERROR, counted in /healthz, filtered in the
  admin) rather than risk a patient getting the same text twice.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from appointments.working_days import BankHolidaysUnavailable, trust_calendar
from config.localtime import local_zone
from reminders.backends import (
    DatabaseBackend,
    ErrorKind,
    OutgoingMessage,
    SendError,
    SendResult,
    SmsBackend,
    get_backend,
)
from reminders.config import in_sending_window
from reminders.messages import active_templates, reminder_text
from reminders.models import OutboxMessage, Reminder, ReminderStatus
from reminders.optouts import patients_mark_number_unusable, patients_opt_out
from reminders.planning import skip_reason, text_recipient
from reminders.ratelimit import send_rate_limiter
from reminders.receipts import delivery_receipt_record, early_receipts_apply
from reminders.segments import count_segments
from reminders.transitions import reminder_hand_over, reminder_transition, reminders_bulk_move

logger = logging.getLogger(__name__)
S = ReminderStatus


@dataclass
class SweepResult:
    window_open: bool = True
    claimed: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    retrying: int = 0
    reclaimed: int = 0
    seconds: float = 0.0
    calendar_error: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def claim_due(*, now: datetime, limit: int, closed_site_ids: Collection[int] = ()) -> tuple[str, list[int]]:
    """Claim up to `limit` due reminders for this sweep; (claim token, their ids). Reminders for
    appointments at `closed_site_ids` (sites closed today) wait: the nightly plan moves them."""
    token = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=S.PLANNED, due_at__lte=now)
            .filter(Q(retry_at__isnull=True) | Q(retry_at__lte=now))
            .exclude(appointment__site_id__in=closed_site_ids)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return token, []
        claimed = Reminder.objects.filter(pk__in=ids, status=S.PLANNED).update(
            status=S.SENDING,
            claim_token=token,
            claimed_at=now,
            status_changed_at=now,
            send_attempts=F("send_attempts") + 1,
        )
    if claimed == len(ids):  # always so under SKIP LOCKED; without row locks another sweep may have won some
        return token, ids
    return token, list(Reminder.objects.filter(claim_token=token, status=S.SENDING).values_list("pk", flat=True))


def reclaim_stale(*, now: datetime, backend: SmsBackend) -> int:
    """Take back claims older than the timeout (their worker died mid-sweep), to be sent again.

    One that was handed to the provider keeps its `handed_at`, so whichever sweep claims it
    next asks the provider before sending (`send_claimed`)."""
    cutoff = now - timedelta(seconds=settings.ATTEND_SMS_CLAIM_TIMEOUT_SECONDS)
    stale = list(
        Reminder.objects.filter(status=S.SENDING, claimed_at__lt=cutoff).values_list("pk", "claim_token", "handed_at")
    )
    for reminder_id, token, handed_at in stale:
        if backend.writes_in_transaction and OutboxMessage.objects.filter(reminder_id=reminder_id).exists():
            reminder_transition(reminder_id=reminder_id, to=S.SENT, now=now, held_by=token)  # cannot happen
            continue
        reminder_transition(reminder_id=reminder_id, to=S.PLANNED, now=now, held_by=token, claim_token="")
        if handed_at is not None:
            logger.warning("Reminder %s was in flight to the provider when its worker stopped", reminder_id)
    return len(stale)


def send_claimed(
    *, reminder: Reminder, token: str, now: datetime, backend: SmsBackend, limiter, templates: dict | None = None
) -> str:
    """Send one claimed reminder (appointment, patient, clinic and site loaded); returns what
    became of it: sent, skipped, failed, retrying or lost (another sweep holds it now)."""
    reminder_id = reminder.pk
    if reminder.status != S.SENDING or reminder.claim_token != token:
        return "lost"
    if reminder.handed_at is not None:  # an earlier attempt may have reached the provider
        outcome = _resolve_handed(reminder, token, now, backend)
        if outcome is not None:
            return outcome
        reminder.handed_at = None  # the provider has no such message: this send is a first
    reason = skip_reason(reminder, now=now)
    if reason:
        reminder_transition(reminder_id=reminder_id, to=S.SKIPPED, now=now, held_by=token, skip_reason=reason)
        return "skipped"
    to, _ = text_recipient(reminder.appointment)
    sent_fields: dict = {"to_number": to}
    try:
        body, language = reminder_text(reminder.appointment, templates)
        sent_fields.update(body=body, language=language, segments=count_segments(body).segments)
        message = OutgoingMessage(to=to, body=body, reminder_id=reminder_id, language=language)
        limiter.acquire()
        if not backend.writes_in_transaction:  # committed before the call: a crash in it is then known
            if not reminder_hand_over(reminder_id=reminder_id, held_by=token, now=now, to_number=to, body=body):
                return "lost"
            reminder.handed_at = now
        result = backend.send(message)
    except SendError as error:
        return _record_error(reminder, token, error, now, sent_fields)
    except Exception as exc:  # a bug or an outage of our own, before or (if handed over) in the call
        logger.exception("Reminder %s could not be sent", reminder_id)
        error = SendError(ErrorKind.TRANSIENT, "error", repr(exc), may_have_reached=reminder.handed_at is not None)
        return _record_error(reminder, token, error, now, sent_fields)
    # The provider has it now: whatever happens next, it is never sent again.
    if not _record_sent(reminder_id, token, result, now, sent_fields):
        logger.error("Reminder %s was sent as %s after its claim was taken back", reminder_id, result.message_id)
    early_receipts_apply([result.message_id])  # a callback may have beaten us to it
    return "sent"


def _record_sent(reminder_id, token, result, now, fields, sent_at=None) -> bool:
    return reminder_transition(
        reminder_id=reminder_id, to=S.SENT, now=now, held_by=token, provider=result.provider,
        provider_message_id=result.message_id, sent_at=sent_at or now, retry_at=None, error_code="", error_message="",
        delivery_uncertain=False, **fields,
    )  # fmt: skip


def _resolve_handed(reminder: Reminder, token: str, now: datetime, backend: SmsBackend) -> str | None:
    """Ask the provider about a reminder handed to it before (the worker died in the call, or the
    call broke after sending): "sent" if it has it (recorded, not sent again), None if it has
    not (send it now), otherwise what became of it (retrying, or failed and flagged)."""
    message = OutgoingMessage(to=reminder.to_number, body=reminder.body, reminder_id=reminder.pk)
    find_sent = getattr(backend, "find_sent", None)
    try:
        if find_sent is None:
            raise SendError(ErrorKind.PERMANENT, "uncertain", f"{backend.name} cannot be asked", may_have_reached=True)
        found: SendResult | None = find_sent(message, since=reminder.handed_at)
    except SendError as error:
        return _record_error(reminder, token, error, now, {})
    if found is None:
        logger.warning(
            "Reminder %s never reached %s before its send stopped; sending it now", reminder.pk, backend.name
        )
        return None
    if not _record_sent(reminder.pk, token, found, now, {}, sent_at=reminder.handed_at):
        return "lost"
    logger.warning(
        "Reminder %s had reached %s as %s; recorded, not sent again", reminder.pk, backend.name, found.message_id
    )
    if found.status:
        delivery_receipt_record(provider_message_id=found.message_id, provider_status=found.status)
    early_receipts_apply([found.message_id])
    return "sent"


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the n-th attempt, capped."""
    seconds = settings.ATTEND_SMS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.ATTEND_SMS_RETRY_MAX_SECONDS))


def _record_error(reminder: Reminder, token: str, error: SendError, now: datetime, fields: dict) -> str:
    """Retry a transient error later, fail the rest. A message that may have reached the provider
    keeps its handed-over mark (the next attempt asks the provider first); if it fails for good
    like that, nobody knows whether the patient has it, so it is flagged and logged at ERROR."""
    uncertain = error.may_have_reached and reminder.handed_at is not None
    detail = {"error_code": error.code[:20], "error_message": error.detail[:300], **fields}
    if not uncertain:
        detail["handed_at"] = None
    attempts = reminder.send_attempts
    if error.kind is ErrorKind.TRANSIENT and attempts < settings.ATTEND_SMS_MAX_ATTEMPTS:
        reminder_transition(
            reminder_id=reminder.pk, to=S.PLANNED, now=now, held_by=token, retry_at=now + retry_delay(attempts),
            **detail,
        )  # fmt: skip
        return "retrying"
    if error.kind is ErrorKind.OPTED_OUT:
        patients_opt_out(e164=fields["to_number"], now=now)
    elif error.kind is ErrorKind.NUMBER_UNUSABLE:
        patients_mark_number_unusable(e164=fields["to_number"])
    reminder_transition(reminder_id=reminder.pk, to=S.FAILED, now=now, held_by=token, delivery_uncertain=uncertain,
                        **detail)  # fmt: skip
    if uncertain:
        logger.error(
            "Reminder %s was handed to the provider and whether it arrived cannot be learned (%s); failed and flagged "
            "delivery_uncertain: check the provider's console", reminder.pk, error,
        )  # fmt: skip
    return "failed"


def reminders_sweep(
    *,
    now: datetime | None = None,
    backend: SmsBackend | None = None,
    batch_size: int | None = None,
    time_budget: float | None = None,
    ignore_window: bool = False,
) -> SweepResult:
    """Send what is due, batch by batch, until nothing is due or the time budget is spent.

    `now` fixes the clock (tests); otherwise it is read afresh for every batch.
    """
    started = time.monotonic()
    backend = backend or get_backend()
    limiter = send_rate_limiter()
    batch_size = batch_size or settings.ATTEND_SMS_SWEEP_BATCH
    budget = settings.ATTEND_SMS_SWEEP_SECONDS if time_budget is None else time_budget
    result = SweepResult()
    result.reclaimed = reclaim_stale(now=now or timezone.now(), backend=backend)
    templates = active_templates()
    while time.monotonic() - started < budget:
        moment = now or timezone.now()
        today = moment.astimezone(local_zone()).date()
        try:
            calendar = trust_calendar(today, today)
        except BankHolidaysUnavailable as exc:
            # Sending on a bank holiday is the harm to avoid: nothing goes until the calendar reads.
            logger.error("Sending no reminders: %s", exc)
            result.window_open, result.calendar_error = False, str(exc)
            break
        if not ignore_window and not in_sending_window(moment, calendar=calendar):
            result.window_open = False
            break
        closed_sites = calendar.sites_closed_on(today)
        if backend.writes_in_transaction:
            # Claimed, written and recorded in one transaction: a worker killed mid-batch
            # leaves no claim behind to wait for the timeout; the batch is simply still due.
            with transaction.atomic():
                token, ids = claim_due(now=moment, limit=batch_size, closed_site_ids=closed_sites)
                outcomes = _send_batch_to_outbox(ids=ids, token=token, now=now, backend=backend, limiter=limiter)
        else:
            # One at a time: a crash leaves only the message in flight claimed.
            token, ids = claim_due(now=moment, limit=1, closed_site_ids=closed_sites)
            outcomes = [_send_one(ids[0], token=token, now=now, backend=backend, limiter=limiter,
                                  templates=templates)] if ids else []  # fmt: skip
        if not ids:
            break
        result.claimed += len(ids)
        for outcome in outcomes:
            if hasattr(result, outcome):
                setattr(result, outcome, getattr(result, outcome) + 1)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _batch(ids: list[int]):
    return Reminder.objects.select_related("appointment__patient", "appointment__clinic", "appointment__site").filter(
        pk__in=ids
    )


def _send_one(reminder_id: int, *, token, now, backend, limiter, templates) -> str:
    """One reminder to a provider outside our transaction, recorded as soon as the provider has it."""
    reminder = _batch([reminder_id]).first()
    if reminder is None:
        return "lost"
    return send_claimed(reminder=reminder, token=token, now=now or timezone.now(), backend=backend,
                        limiter=limiter, templates=templates)  # fmt: skip


def _send_batch_to_outbox(*, ids, token, now, backend: DatabaseBackend, limiter) -> list[str]:
    """The database backend's fast path: lock the batch, then write its outbox rows and
    statuses in bulk, in one transaction (all of the batch is sent, or none of it)."""
    if not ids:
        return []
    templates = active_templates()
    outcomes: list[str] = []
    sent: list[Reminder] = []
    skipped: list[Reminder] = []
    outbox: list = []
    ready: list[tuple] = []
    with transaction.atomic():
        held = list(_batch(ids).select_for_update(of=("self",)).filter(status=S.SENDING, claim_token=token))
        outcomes += ["lost"] * (len(ids) - len(held))
        for reminder in held:
            moment = now or timezone.now()
            reason = skip_reason(reminder, now=moment)
            if reason:
                reminder.skip_reason = reason
                skipped.append(reminder)
                continue
            to, _ = text_recipient(reminder.appointment)
            try:
                body, language = reminder_text(reminder.appointment, templates)
            except Exception as exc:
                logger.exception("Reminder %s could not be written", reminder.pk)
                error = SendError(ErrorKind.TRANSIENT, "error", repr(exc))
                outcomes.append(_record_error(reminder, token, error, moment, {"to_number": to}))
                continue
            ready.append((reminder, to, body, language, moment))
        limiter.acquire(len(ready))  # the batch's share of the one send rate, in as few round trips as it allows
        for reminder, to, body, language, moment in ready:
            row = backend.prepare(OutgoingMessage(to=to, body=body, reminder_id=reminder.pk))
            outbox.append(row)
            values = {
                "to_number": to, "body": body, "language": language, "segments": row.segments,
                "provider": backend.name, "provider_message_id": row.provider_message_id, "sent_at": moment,
                "retry_at": None, "error_code": "", "error_message": "",
            }  # fmt: skip
            for field, value in values.items():
                setattr(reminder, field, value)
            sent.append(reminder)
        OutboxMessage.objects.bulk_create(outbox)
        moment = now or timezone.now()
        reminders_bulk_move(sent, to=S.SENT, now=moment, fields=SENT_FIELDS)
        reminders_bulk_move(skipped, to=S.SKIPPED, now=moment, fields=("skip_reason",))
    return outcomes + ["sent"] * len(sent) + ["skipped"] * len(skipped)


SENT_FIELDS = ("to_number", "body", "language", "segments", "provider", "provider_message_id", "sent_at",
               "retry_at", "error_code", "error_message")  # fmt: skip
