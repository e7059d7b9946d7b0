"""What NHS Notify, and the post, say about a letter after it has gone: Notify's delivery
receipts for letters and returned letters.

- Delivery receipts come to the same bearer-token callback as the texts'
  (`/webhooks/notify/status/`; reminders.webhooks hands a letter's to `letter_callback_record`):
  `accepted` (Notify has it) leaves the letter sent, `received` (the printer posted it) marks it
  posted, and `cancelled`, `technical-failure`, `permanent-failure`, `validation-failed` and
  `virus-scan-failed` fail it with the status as the reason (NOTIFY_LETTER_STATUS). A receipt
  finds its letter by Notify's id or by its reference `attend-letter-<id>`, so one that comes
  before the id was recorded is not lost; one for a letter Attend does not know answers 200.
- A returned letter (Notify's returned-letter callback, pointed at the same URL, or its
  returned-letters report uploaded by the post room, or the post room's own list of references)
  marks the letter returned and the address it went to as not working: no letter goes to it
  again, and a patient who asked for post is texted, until the extract gives a new address.
"""

from __future__ import annotations

import csv
import io
import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from letters.content import address_block
from letters.models import Letter, LetterStatus
from letters.notify import NOTIFY_LETTER_STATUS
from letters.transitions import letter_transition

logger = logging.getLogger(__name__)
REFERENCE_PREFIX = "attend-letter-"
# The headers of Notify's returned-letters report (and a post room's own list) Attend reads.
ID_HEADERS = ("notification id", "notification_id", "id")
REFERENCE_HEADERS = ("reference", "client reference", "client_reference")


def _letter_by(notification_id: str = "", reference: str = "") -> Letter | None:
    """The letter Notify's id or Attend's reference names, or None."""
    letters = Letter.objects.select_related("appointment__patient")
    if notification_id:
        found = letters.filter(provider_id=notification_id).first()
        if found is not None:
            return found
    if reference.startswith(REFERENCE_PREFIX) and reference[len(REFERENCE_PREFIX) :].isdigit():
        return letters.filter(pk=int(reference[len(REFERENCE_PREFIX) :])).first()
    return None


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def letter_callback_record(body: dict[str, Any]) -> bool:
    """A Notify callback about a letter (its delivery receipt, or a returned-letter callback):
    applied, and True; False for a callback that is not about a letter (a text's receipt)."""
    reference = str(body.get("reference") or "")
    if "notification_id" in body and "status" not in body:  # Notify's returned-letter callback
        notification_id = str(body.get("notification_id") or "")
        if not _is_uuid(notification_id) and not reference.startswith(REFERENCE_PREFIX):
            return False
        letter_returned_record(notification_id=notification_id, reference=reference, source="Notify")
        return True
    if body.get("notification_type") != "letter" and not reference.startswith(REFERENCE_PREFIX):
        return False
    notification_id, status = str(body.get("id") or ""), str(body.get("status") or "").lower()
    letter = _letter_by(notification_id if _is_uuid(notification_id) else "", reference)
    if letter is None:
        logger.info("A Notify letter receipt for a letter Attend does not know (%s)", reference or notification_id)
        return True
    letter_status_record(letter, status=status, notification_id=notification_id)
    return True


def letter_status_record(
    letter: Letter, *, status: str, notification_id: str = "", now: datetime | None = None
) -> bool:
    """Apply Notify's `status` for `letter` (from a receipt or the poll); True if its state moved."""
    changes: dict[str, Any] = {"provider_status": status[:32]}
    if notification_id and not letter.provider_id and _is_uuid(notification_id):
        changes["provider_id"] = notification_id
    to = NOTIFY_LETTER_STATUS.get(status)
    if to is not None:
        if to == LetterStatus.FAILED:
            changes["last_error"] = f"Notify: {status}"
        if letter_transition(letter_id=letter.pk, to=to, now=now, **changes):
            return True
    Letter.objects.filter(pk=letter.pk).exclude(status__in=(LetterStatus.RETURNED,)).update(**changes)
    return False


@transaction.atomic
def letter_returned_record(
    *,
    notification_id: str = "",
    reference: str = "",
    source: str,
    by: Any = None,
    request: Any = None,
    now: datetime | None = None,
) -> str:
    """Record that a letter came back: "returned", "already returned", "unknown" (no such letter)
    or "not posted" (it never went, so cannot have come back). The patient's address is marked as not working
    when it is still the one the letter went to (audited)."""
    now = now or timezone.now()
    letter = _letter_by(notification_id, reference)
    if letter is None:
        return "unknown"
    if not letter_transition(letter_id=letter.pk, to=LetterStatus.RETURNED, now=now):
        return "already returned" if letter.status == LetterStatus.RETURNED else "not posted"
    patient = letter.appointment.patient
    sent_to = letter.address.splitlines() or address_block(letter)
    if address_block(letter) == sent_to and patient.address_lines:
        patient.address_returned = "\n".join(patient.address_lines)
        patient.address_returned_at = now
        patient.save(update_fields=["address_returned", "address_returned_at", "updated_at"])
    audit_record(
        action=AuditAction.CHANGE, target=letter, actor=by, actor_label="" if by else source.lower(), request=request,
        summary=f"Letter returned undelivered ({source}); the address is marked as not working",
    )  # fmt: skip
    return "returned"


@dataclass
class ReturnedUpload:
    returned: int = 0
    already: int = 0
    unknown: list[str] = field(default_factory=list)
    not_posted: list[str] = field(default_factory=list)


class NotAReturnsList(ValueError):
    """The file is not a CSV with a notification id or reference column."""


def returned_letters_upload(*, data: bytes, by: Any, request: Any = None) -> ReturnedUpload:
    """Notify's returned-letters report (or the post room's own CSV of references), one letter a
    row by its `Notification ID` or `Reference`: each named letter is recorded returned."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise NotAReturnsList("The file is not UTF-8 text (a CSV).") from None
    reader = csv.DictReader(io.StringIO(text))
    headers = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
    id_header = next((headers[h] for h in ID_HEADERS if h in headers), None)
    reference_header = next((headers[h] for h in REFERENCE_HEADERS if h in headers), None)
    if id_header is None and reference_header is None:
        raise NotAReturnsList("The file has no 'Notification ID' or 'Reference' column.")
    summary = ReturnedUpload()
    for row in reader:
        notification_id = (row.get(id_header) or "").strip() if id_header else ""
        reference = (row.get(reference_header) or "").strip() if reference_header else ""
        if not notification_id and not reference:
            continue
        outcome = letter_returned_record(
            notification_id=notification_id if _is_uuid(notification_id) else "",
            reference=reference, source="returned-letters list", by=by, request=request,
        )  # fmt: skip
        named = reference or notification_id
        if outcome == "returned":
            summary.returned += 1
        elif outcome == "already returned":
            summary.already += 1
        elif outcome == "unknown":
            summary.unknown.append(named)
        else:
            summary.not_posted.append(named)
    return summary
