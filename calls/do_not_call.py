"""A patient's "do not call", recorded from a call or by a team lead, and lifted again.

Calls only: an SMS STOP is the SMS channel's own opt-out and stops no call, and "do not
call" stops no text. Recording it closes the patient's open call (with that reason) in
the same transaction; while it is in force the list builder gives them no slot and no
handler can claim or take a call to them. Every change is in the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from calls.models import ASKED_NOT_TO_BE_CALLED, CallAttempt, CallTask, CallTaskStatus, DoNotCall, DoNotCallSource
from calls.transitions import calls_transition
from patients.models import Patient

NOTE_MAX_LENGTH = 200


@transaction.atomic
def do_not_call_record(
    *,
    patient: Patient,
    source: str,
    by: Any,
    attempt: CallAttempt | None = None,
    note: str = "",
    request: Any = None,
    now: datetime | None = None,
) -> tuple[DoNotCall, bool]:
    """Record that `patient` asked not to be called; returns the record in force and whether
    this call made it (False when one was already in force: it is kept as it was)."""
    if source not in DoNotCallSource.values:
        raise ValueError(f"unknown do-not-call source {source!r}")
    now = now or timezone.now()
    existing = DoNotCall.objects.in_force().filter(patient=patient).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            record = DoNotCall.objects.create(
                patient=patient, recorded_at=now, source=source, recorded_by=by, attempt=attempt,
                note=note.strip()[:NOTE_MAX_LENGTH],
            )  # fmt: skip
    except IntegrityError:  # recorded at the same moment by someone else
        return DoNotCall.objects.in_force().get(patient=patient), False
    closed = calls_transition(
        CallTask.objects.open().for_patient(patient), to=CallTaskStatus.CANCELLED, now=now,
        close_reason=ASKED_NOT_TO_BE_CALLED,
    )  # fmt: skip
    audit_record(
        action=AuditAction.CHANGE, target=patient, actor=by, request=request,
        summary=f"Asked not to be called ({record.get_source_display().lower()}); {closed} open call(s) closed",
        changes={"do_not_call": ["False", "True"]},
    )  # fmt: skip
    return record, True


@transaction.atomic
def do_not_call_lift(*, patient: Patient, by: Any, why: str, request: Any = None, now: datetime | None = None) -> bool:
    """The patient may be called again (they asked for a call, or told a team lead); returns
    whether a "do not call" was in force. The record stays, marked lifted."""
    now = now or timezone.now()
    lifted = (
        DoNotCall.objects.in_force()
        .filter(patient=patient)
        .update(lifted_at=now, lifted_by=by, lifted_why=why[:NOTE_MAX_LENGTH])
    )
    if lifted:
        audit_record(
            action=AuditAction.CHANGE, target=patient, actor=by, actor_label="" if by else "sms", request=request,
            summary=f"May be called again: {why}", changes={"do_not_call": ["True", "False"]},
        )  # fmt: skip
    return bool(lifted)


def asked_not_to_be_called(patient: Patient | int) -> DoNotCall | None:
    return DoNotCall.objects.in_force().filter(patient=patient).first()
