"""Sending the day's letters: each due letter is checked again (cancelled, moved, passed, the
patient deceased, no address → skipped with the reason), then sent through NHS Notify or put in
the post room's print batch for the day (ATTEND_LETTER_BACKEND).

Through Notify a letter is claimed (planned → sending, one conditional update, so two workers
never both send it) and marked handed over before Notify is called. An attempt after one that
may have reached Notify (a timeout, a worker that died) asks Notify for the letter's reference
first and records what it finds instead of sending again: a retry never posts two letters.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from config.localtime import local_zone
from letters.content import address_block, notify_personalisation
from letters.models import Letter, LetterStatus
from letters.notify import (
    NoTemplate,
    notify_find_letter,
    notify_letter_status,
    notify_letter_template,
    notify_send_letter,
)
from letters.planning import letter_skip_reason
from letters.returns import letter_status_record
from letters.transitions import letter_transition
from reminders.backends import ErrorKind, SendError

logger = logging.getLogger(__name__)
S = LetterStatus
MAX_ATTEMPTS = 5
CLAIM_TIMEOUT = timedelta(minutes=10)  # a letter in `sending` longer belongs to a worker that died


@dataclass
class SendSummary:
    sent: int = 0
    queued: int = 0
    skipped: int = 0
    retry: int = 0
    failed: int = 0
    released: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def letters_send_due(*, now: datetime | None = None) -> SendSummary:
    """Send (or put in today's print batch) every planned letter whose posting day has come."""
    now = now or timezone.now()
    today = now.astimezone(local_zone()).date()
    summary = SendSummary(released=letters_release_stale(now=now))
    due = Letter.objects.due(today).select_related("appointment__patient", "appointment__clinic", "appointment__site")
    for letter in due.order_by("due_on", "pk"):
        reason = letter_skip_reason(letter, now=now)
        if reason:
            summary.skipped += letter_transition(letter_id=letter.pk, to=S.SKIPPED, now=now, skip_reason=reason)
        elif settings.ATTEND_LETTER_BACKEND == "notify":
            outcome = _send_through_notify(letter, now=now)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        else:
            summary.queued += letter_transition(
                letter_id=letter.pk,
                to=S.QUEUED,
                now=now,
                backend="print",
                batch_on=today,
                address="\n".join(address_block(letter)),
            )
    return summary


def letters_release_stale(*, now: datetime) -> int:
    """Letters left in `sending` by a worker that died go back to planned, still marked handed over,
    so the next attempt asks Notify before sending."""
    stale = Letter.objects.filter(status=S.SENDING, status_changed_at__lt=now - CLAIM_TIMEOUT)
    return sum(letter_transition(letter_id=pk, to=S.PLANNED, now=now) for pk in stale.values_list("pk", flat=True))


def _send_through_notify(letter: Letter, *, now: datetime) -> str:
    """One letter through Notify; which SendSummary count it adds to."""
    if not letter_transition(letter_id=letter.pk, to=S.SENDING, now=now, attempts=F("attempts") + 1):
        return "retry"  # another worker has it
    address = address_block(letter)
    try:
        if letter.handed_at is not None and (found := notify_find_letter(letter.pk)) is not None:
            return _record_sent(letter, now, str(found["id"]), address, str(found.get("status") or ""))
        template_id = notify_letter_template(letter.language, letter.variant)
        Letter.objects.filter(pk=letter.pk).update(handed_at=now)
        notification_id = notify_send_letter(
            letter_id=letter.pk, template_id=template_id, personalisation=notify_personalisation(letter, address)
        )
    except NoTemplate as exc:
        letter_transition(letter_id=letter.pk, to=S.FAILED, now=now, last_error=str(exc)[:300])
        return "failed"
    except SendError as exc:
        return _record_error(letter, exc, now)
    return _record_sent(letter, now, notification_id, address, "")


def _record_sent(letter: Letter, now: datetime, notification_id: str, address: list[str], status: str) -> str:
    letter_transition(
        letter_id=letter.pk, to=S.SENT, now=now, backend="notify", provider_id=notification_id,
        provider_status=status, sent_at=now, address="\n".join(address), last_error="",
    )  # fmt: skip
    return "sent"


def _record_error(letter: Letter, error: SendError, now: datetime) -> str:
    """A transient error is tried again by the next sweep; a permanent one, or the last attempt,
    fails the letter with Notify's answer. The handed-over mark stays once set: whichever attempt
    may have reached Notify, every later one asks Notify first (one look-up costs less than a
    second letter in the post)."""
    detail = f"{error.code}: {error.detail}"[:300]
    if error.kind is ErrorKind.TRANSIENT and letter.attempts + 1 < MAX_ATTEMPTS:
        letter_transition(letter_id=letter.pk, to=S.PLANNED, now=now, last_error=detail)
        return "retry"
    logger.warning("Letter %s failed at Notify: %s", letter.pk, detail)
    letter_transition(letter_id=letter.pk, to=S.FAILED, now=now, last_error=detail)
    return "failed"


def letters_poll_status(*, now: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Ask Notify how each letter sent in the last fortnight is doing: posted, or failed."""
    now = now or timezone.now()
    polled = moved = 0
    sent = Letter.objects.filter(status=S.SENT, sent_at__gte=now - timedelta(days=14)).exclude(provider_id="")
    for letter in sent.order_by("sent_at")[:limit]:
        try:
            status = notify_letter_status(letter.provider_id)
        except SendError as exc:
            logger.warning("Notify status for letter %s not read: %s", letter.pk, exc.detail)
            continue
        polled += 1
        moved += letter_status_record(letter, status=status, now=now)
    return {"polled": polled, "moved": moved}
