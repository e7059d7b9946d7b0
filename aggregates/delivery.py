"""Sending aggregate files over MESH: each file at most once to each mailbox, however often it is tried.

A MeshSend row is the send's state, changed only by `_move` and its transition table:

    pending ──claim──> sending ──> sent ──(the recipient downloads and acknowledges)──> acknowledged
    failed  ──claim──┘    │  └──> failed   (MESH unreachable or erring: tried again, up to
                          │                ATTEND_MESH_MAX_ATTEMPTS)
                          └─────> rejected (MESH refused the message: a person re-queues it)

A worker claims a send with a conditional update and goes on only if exactly one row changed, so
two workers never send the same file. Before a send is tried again, MESH is asked whether it
already holds a message with the send's local id (an earlier try whose answer was lost): if it
does, that message is recorded instead of a second one being sent.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from aggregates import mesh
from aggregates.models import AggregateFile, MeshSend
from aggregates.models import MeshSendStatus as Status
from audit.models import AuditAction
from audit.services import audit_record

logger = logging.getLogger(__name__)

TRANSITIONS: dict[str, frozenset[str]] = {
    Status.PENDING: frozenset({Status.SENDING}),
    Status.FAILED: frozenset({Status.SENDING}),
    Status.SENDING: frozenset({Status.SENT, Status.FAILED, Status.REJECTED}),
    Status.SENT: frozenset({Status.ACKNOWLEDGED, Status.REJECTED}),
    Status.REJECTED: frozenset({Status.PENDING}),
    Status.ACKNOWLEDGED: frozenset(),
}
# A claim older than this belongs to a worker that died mid-send (a send takes one HTTP call).
CLAIM_TIMEOUT = timedelta(minutes=30)


class IllegalTransition(ValueError):
    pass


def _move(send_id: int, *, frm: tuple[str, ...], to: str, **fields) -> bool:
    """Move a send from one of `frm` to `to`, if it is still there; True if it moved."""
    for status in frm:
        if to not in TRANSITIONS[status]:
            raise IllegalTransition(f"A MESH send cannot go from {status} to {to}.")
    return MeshSend.objects.filter(pk=send_id, status__in=frm).update(status=to, **fields) == 1


def queue_send(file: AggregateFile, *, recipient: str | None = None, workflow_id: str | None = None) -> MeshSend:
    """The send of this file to this mailbox: made once, found again after (never a second one)."""
    send, _ = MeshSend.objects.get_or_create(
        file=file,
        recipient=(recipient or settings.ATTEND_MESH_RECIPIENT).upper(),
        defaults={"workflow_id": workflow_id or settings.ATTEND_MESH_WORKFLOW_ID, "local_id": _local_id(file)},
    )
    return send


def _local_id(file: AggregateFile) -> str:
    return f"attend-{file.period_from:%Y%m}-{file.period_to:%Y%m}-{uuid.uuid4().hex}"


def send(send_id: int) -> MeshSend:
    """Try one send now (if it is waiting and has tries left); returns it as it ended."""
    now = timezone.now()
    claimed = MeshSend.objects.filter(
        pk=send_id, status__in=(Status.PENDING, Status.FAILED), attempts__lt=settings.ATTEND_MESH_MAX_ATTEMPTS
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=now)
    record = MeshSend.objects.select_related("file").get(pk=send_id)
    if claimed != 1:
        return record
    try:
        message_id = mesh.find_by_local_id(record.local_id) if record.attempts > 1 else None
        found_earlier = message_id is not None
        if message_id is None:
            message_id = mesh.send(
                recipient=record.recipient,
                content=bytes(record.file.content),
                workflow_id=record.workflow_id,
                local_id=record.local_id,
                filename=record.file.file_name,
                subject=f"Attend aggregates {record.file.period_from:%Y-%m} to {record.file.period_to:%Y-%m}",
            )
    except mesh.MeshUnavailable as exc:
        _move(send_id, frm=(Status.SENDING,), to=Status.FAILED, last_error=str(exc)[:2000])
        logger.warning("MESH send %s failed (try %s): %s", send_id, record.attempts, exc)
    except mesh.MeshRefused as exc:
        _move(send_id, frm=(Status.SENDING,), to=Status.REJECTED, last_error=str(exc)[:2000])
        logger.error("MESH refused send %s: %s", send_id, exc)
    else:
        _move(send_id, frm=(Status.SENDING,), to=Status.SENT, message_id=message_id, sent_at=timezone.now(),
              last_error="")  # fmt: skip
        record.refresh_from_db()
        how = "found in MESH from an earlier try" if found_earlier else "sent"
        audit_record(
            action=AuditAction.EXPORT,
            target=record,
            actor_label="mesh",
            summary=f"Aggregate file {record.file.sha256[:12]} {how} to MESH mailbox {record.recipient}: "
            f"message {message_id}",
        )
    record.refresh_from_db()
    return record


def release_stale_claims(now=None) -> int:
    """Sends whose worker died mid-send go back to be tried again (checked by local id first)."""
    now = now or timezone.now()
    stale = MeshSend.objects.filter(status=Status.SENDING, claimed_at__lt=now - CLAIM_TIMEOUT)
    return sum(
        _move(pk, frm=(Status.SENDING,), to=Status.FAILED, last_error="The send's worker stopped; outcome unknown.")
        for pk in stale.values_list("pk", flat=True)
    )


def send_due() -> list[MeshSend]:
    """Every send waiting or failed with tries left, each tried once."""
    due = MeshSend.objects.filter(
        status__in=(Status.PENDING, Status.FAILED), attempts__lt=settings.ATTEND_MESH_MAX_ATTEMPTS
    ).order_by("created_at", "pk")
    return [send(pk) for pk in due.values_list("pk", flat=True)]


def track(send_id: int) -> MeshSend:
    """Ask MESH what became of a sent message; record an acknowledgement when the recipient has
    downloaded and acknowledged it, or that MESH could not deliver it."""
    record = MeshSend.objects.get(pk=send_id)
    if record.status != Status.SENT:
        return record
    try:
        tracking = mesh.track(record.message_id)
    except (mesh.MeshUnavailable, mesh.MeshRefused) as exc:
        logger.warning("MESH tracking of send %s failed: %s", send_id, exc)
        return record
    status = (tracking.get("status") or "").lower()
    now = timezone.now()
    MeshSend.objects.filter(pk=send_id).update(mesh_status=status, tracked_at=now)
    if status == "acknowledged":
        at = parse_datetime(tracking.get("status_timestamp") or "") or now
        if timezone.is_naive(at):
            at = timezone.make_aware(at, UTC)
        _move(send_id, frm=(Status.SENT,), to=Status.ACKNOWLEDGED, acknowledged_at=at)
    elif status in ("undeliverable", "error"):
        reason = tracking.get("status_description") or status
        _move(send_id, frm=(Status.SENT,), to=Status.REJECTED, last_error=f"MESH could not deliver it: {reason}")
    record.refresh_from_db()
    return record


def track_sent() -> list[MeshSend]:
    return [track(pk) for pk in MeshSend.objects.filter(status=Status.SENT).values_list("pk", flat=True)]


def requeue(send_id: int, *, actor) -> bool:
    """A person sends a refused file again once the cause is fixed (audited)."""
    record = MeshSend.objects.select_related("file").get(pk=send_id)
    # A new local id: the refused message (if MESH kept one) must not be taken for this send.
    moved = _move(send_id, frm=(Status.REJECTED,), to=Status.PENDING, attempts=0, message_id="", sent_at=None,
                  mesh_status="", local_id=_local_id(record.file))  # fmt: skip
    if moved:
        audit_record(action=AuditAction.CHANGE, target=MeshSend.objects.get(pk=send_id), actor=actor,
                     summary="MESH send queued again")  # fmt: skip
    return moved
