"""The post room's print batch: the day's letters as one page, one letter a sheet, marked printed
when the post room confirms. Who saw the batch (it shows patients' addresses) and who marked it
printed are on the audit trail."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from letters.models import Letter, LetterStatus
from letters.transitions import letters_transition

BATCH_TARGET = "letters.printbatch"


def print_batch(day: date):
    """The day's batch, in posting order, with what each letter needs to be printed."""
    return (
        Letter.objects.in_print_batch(day)
        .select_related("appointment__patient", "appointment__clinic", "appointment__site")
        .order_by("pk")
    )


def audit_print_batch_viewed(request: HttpRequest, *, day: date, letters: int) -> None:
    audit_record(
        action=AuditAction.VIEW, target_type=BATCH_TARGET, target_id=day.isoformat(), request=request,
        summary=f"Print batch for {day:%Y-%m-%d}: {letters} letters with patients' addresses",
    )  # fmt: skip


@transaction.atomic
def print_batch_mark_printed(*, day: date, by, request: HttpRequest | None = None) -> int:
    """Every letter of the day's batch still waiting is marked printed by `by`; how many. Marking
    twice marks nothing more (the letters are no longer waiting)."""
    now = timezone.now()
    waiting = Letter.objects.filter(batch_on=day, status=LetterStatus.QUEUED)
    printed = letters_transition(waiting, to=LetterStatus.PRINTED, now=now, printed_at=now, printed_by=by)
    if printed:
        audit_record(
            action=AuditAction.CHANGE, target_type=BATCH_TARGET, target_id=day.isoformat(), actor=by,
            request=request, summary=f"Print batch for {day:%Y-%m-%d}: {printed} letters marked printed",
        )  # fmt: skip
    return printed
