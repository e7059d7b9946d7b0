"""Loading a member trust's aggregate file: all of it, in one transaction, or none of it.

`aggregate_file_load(content=…, sender=…)` is the one way figures enter the hub, whichever way the
file came: the analyst's upload page, `manage.py load_aggregates FILE`, or MESH
(`mesh_messages_load`, the seam a MESH inbox poller calls with the messages it downloaded).

A file is refused, with the reason recorded on its ReceivedFile row and nothing else changed, when
it fails hub.validation, when its trust is not a member of the collaborative (or a MESH message
came from another mailbox than the trust's), or when its period overlaps, without equalling, a
period the trust's figures are already held for. The same period sent again replaces the trust's
earlier figures for it (the earlier file is kept, marked replaced, and an audit event says so); the
very same file again changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q

from audit.models import AuditAction
from audit.services import audit_record
from hub.models import FileStatus, MemberTrust, ReceivedFile, TrustFigure
from hub.validation import COUNTS, AggregateFile, AggregateFileRefused, canonical_sha256, facts_of, parse, validate

DIMENSION_FIELDS = (
    "imd_quintile",
    "imd_decile",
    "specialty",
    "site",
    "age_band",
    "sex",
    "ethnic_group",
    "pilot",
    "arm",
)

# to-status → the statuses it may be entered from (None: a new file). Refused, replaced and
# duplicate are final.
ALLOWED_FROM: dict[str, frozenset[str | None]] = {
    FileStatus.ACCEPTED: frozenset({None}),
    FileStatus.REFUSED: frozenset({None}),
    FileStatus.DUPLICATE: frozenset({None}),
    FileStatus.REPLACED: frozenset({FileStatus.ACCEPTED}),
}


class IllegalTransition(ValueError):
    pass


def received_file_transition(*, received_file: ReceivedFile, to: str, **changes: Any) -> bool:
    """Move a stored file to `to` if its status allows (one guarded UPDATE); True if it moved."""
    sources = ALLOWED_FROM.get(to)
    if sources is None or not sources - {None}:
        raise IllegalTransition(f"no transition into {to!r} for a stored file")
    moved = ReceivedFile.objects.filter(pk=received_file.pk, status__in=sources - {None}).update(status=to, **changes)
    return moved == 1


@dataclass(frozen=True)
class LoadResult:
    received_file: ReceivedFile
    replaced: ReceivedFile | None = None

    @property
    def loaded(self) -> bool:
        return self.received_file.status == FileStatus.ACCEPTED

    @property
    def message(self) -> str:
        f = self.received_file
        if f.status == FileStatus.REFUSED:
            return f"Refused: {f.reason}"
        if f.status == FileStatus.DUPLICATE:
            return f"Already loaded: this is the same file as before for {f.trust} ({f.period_from} to {f.period_to})."
        rows = f.figures.count()
        done = f"Loaded {rows} rows for {f.trust}, {f.period_from} to {f.period_to}"
        return (
            f"{done}, replacing the figures received on {self.replaced.received_at:%d %B %Y}."
            if self.replaced
            else f"{done}."
        )


def aggregate_file_load(*, content: bytes, sender: str, user: Any = None, mesh_mailbox: str = "") -> LoadResult:
    """Check and load one file; always records what arrived (accepted, duplicate or refused with its reason)."""
    document: dict[str, Any] = {}
    try:
        document = parse(content)
        checked = validate(document)
        with transaction.atomic():
            return _load(checked, sender=sender, user=user, mesh_mailbox=mesh_mailbox)
    except AggregateFileRefused as refusal:
        facts = {**facts_of(document), **refusal.facts}
        refused = ReceivedFile.objects.create(
            trust=MemberTrust.objects.filter(ods_code=facts.get("ods_code") or "").first(),
            ods_code=facts.get("ods_code") or "",
            sender=sender[:200],
            sha256=canonical_sha256(document) if document else _raw_sha256(content),
            period_from=facts.get("period_from"),
            period_to=facts.get("period_to"),
            version=facts.get("version"),
            status=FileStatus.REFUSED,
            reason=str(refusal),
        )
        return LoadResult(refused)


def _raw_sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _load(checked: AggregateFile, *, sender: str, user: Any, mesh_mailbox: str) -> LoadResult:
    facts = {
        "ods_code": checked.ods_code,
        "period_from": checked.period_from,
        "period_to": checked.period_to,
        "version": checked.document["version"],
    }
    trust = MemberTrust.objects.select_for_update().filter(ods_code=checked.ods_code).first()
    if trust is None:
        raise AggregateFileRefused(
            f"{checked.trust_name} ({checked.ods_code}) is not a member trust of this collaborative; an admin adds "
            "members before their files can be loaded.",
            facts=facts,
        )
    if mesh_mailbox and trust.mesh_mailbox and mesh_mailbox.upper() != trust.mesh_mailbox.upper():
        raise AggregateFileRefused(
            f"The file names {trust} but came from MESH mailbox {mesh_mailbox}, not the trust's "
            f"({trust.mesh_mailbox}).",
            facts=facts,
        )
    current = ReceivedFile.objects.current().filter(trust=trust)
    overlapping = current.filter(Q(period_from__lte=checked.period_to) & Q(period_to__gte=checked.period_from))
    earlier = overlapping.filter(period_from=checked.period_from, period_to=checked.period_to).first()
    clash = overlapping.exclude(pk=earlier.pk if earlier else None).first()
    if clash is not None:
        raise AggregateFileRefused(
            f"The file's period ({checked.period_from} to {checked.period_to}) overlaps the figures already held for "
            f"{trust} for {clash.period_from} to {clash.period_to} (received {clash.received_at:%d %B %Y}). Send the "
            "same period again to replace those, or a period that does not overlap them.",
            facts=facts,
        )
    if earlier is not None and earlier.sha256 == checked.sha256:
        duplicate = _received_file(checked, trust=trust, sender=sender, status=FileStatus.DUPLICATE)
        duplicate.save()
        return LoadResult(duplicate)
    if earlier is not None:
        # The earlier file stops being current before the new one takes its period.
        if not received_file_transition(received_file=earlier, to=FileStatus.REPLACED):
            raise AggregateFileRefused("Another load replaced the same period at the same moment; try again.")
        TrustFigure.objects.filter(file=earlier).delete()
    received = _received_file(checked, trust=trust, sender=sender, status=FileStatus.ACCEPTED)
    received.save()
    if earlier is not None:
        ReceivedFile.objects.filter(pk=earlier.pk).update(replaced_by=received)
        earlier.refresh_from_db()
        audit_record(
            action=AuditAction.CHANGE,
            target=received,
            actor=user,
            actor_label="" if user else sender[:150],
            summary=f"Replaced {trust.ods_code}'s figures for {checked.period_from} to {checked.period_to}",
            changes={"file": [earlier.pk, received.pk], "sha256": [earlier.sha256, received.sha256]},
        )
    else:
        audit_record(
            action=AuditAction.CREATE,
            target=received,
            actor=user,
            actor_label="" if user else sender[:150],
            summary=f"Loaded {trust.ods_code}'s figures for {checked.period_from} to {checked.period_to}",
        )
    TrustFigure.objects.bulk_create(_figures(checked, received, trust), batch_size=2000)
    return LoadResult(received, earlier)


def _received_file(checked: AggregateFile, *, trust: MemberTrust, sender: str, status: str) -> ReceivedFile:
    document = checked.document
    return ReceivedFile(
        trust=trust,
        ods_code=checked.ods_code,
        sender=sender[:200],
        sha256=checked.sha256,
        period_from=checked.period_from,
        period_to=checked.period_to,
        version=document["version"],
        attend_version=document["attend_version"][:50],
        imd_vintage=document["imd_vintage"],
        generated_at=document["generated_at"][:40],
        disclosure_threshold=document["disclosure"]["threshold"],
        suppressed_cells=document["disclosure"]["suppressed_cells"],
        status=status,
    )


def _figures(checked: AggregateFile, received: ReceivedFile, trust: MemberTrust) -> Iterable[TrustFigure]:
    for table in checked.tables:
        name = ",".join(table["by"])
        for row in table["rows"]:
            dimensions = {field: row[field] for field in DIMENSION_FIELDS if field in row}
            for text in ("specialty", "site", "age_band", "sex", "ethnic_group", "pilot", "arm"):
                if dimensions.get(text) is None:
                    dimensions.pop(text, None)
            yield TrustFigure(
                file=received,
                trust=trust,
                table=name,
                month=date.fromisoformat(f"{row['month']}-01"),
                suppressed=row["suppressed"],
                **{c: row[c] for c in COUNTS},
                **dimensions,
            )


@dataclass(frozen=True)
class MeshMessage:
    """A message a MESH client downloaded from the hub's inbox: its id, the sending mailbox, its content."""

    message_id: str
    sender_mailbox: str
    content: bytes


def mesh_messages_load(messages: Iterable[MeshMessage]) -> list[LoadResult]:
    """Load each downloaded MESH message as a file (the seam for the MESH inbox poller).

    The poller downloads, calls this, and acknowledges each message only after it returns: a message
    whose load raised is left in the inbox to be downloaded again. A refused file is a result, not an
    error: it is recorded here and should be acknowledged (sending it again will not change it).
    """
    return [
        aggregate_file_load(
            content=message.content,
            sender=f"MESH {message.sender_mailbox} message {message.message_id}",
            mesh_mailbox=message.sender_mailbox,
        )
        for message in messages
    ]


def member_trust_add(*, ods_code: str, name: str, mesh_mailbox: str = "") -> MemberTrust:
    trust, _ = MemberTrust.objects.update_or_create(
        ods_code=ods_code.upper(), defaults={"name": name, "mesh_mailbox": mesh_mailbox}
    )
    return trust
