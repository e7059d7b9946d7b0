"""Changing the safeguarding list: filling it, and marking an entry reviewed."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from appointments.changes import AppointmentChanges
from audit.models import AuditAction
from audit.services import audit_record
from safeguarding.models import SafeguardingEntry
from safeguarding.selectors import dnas_to_list

WRITE_BATCH = 1000


class AlreadyReviewed(Exception):
    """Someone marked the entry reviewed first; their review stands."""


@transaction.atomic
def safeguarding_list_dnas(*, appointment_ids: Collection[int] | None = None) -> int:
    """Put every child's DNA in a safeguarding specialty that is not listed yet on the list, once
    (among `appointment_ids`, or all). Idempotent: the appointment is the entry's key, so a second
    run, or two at once, add nothing more. Returns how many were listed."""
    now = timezone.now()
    entries = [
        SafeguardingEntry(appointment_id=appointment_id, patient_id=patient_id, listed_at=now)
        for appointment_id, patient_id in dnas_to_list(appointment_ids).values_list("pk", "patient_id")
    ]
    SafeguardingEntry.objects.bulk_create(entries, batch_size=WRITE_BATCH, ignore_conflicts=True)
    return len(entries)


def safeguarding_follow_changed_appointments(changes: AppointmentChanges) -> dict[str, int]:
    """The importer's announcement (appointments.changes): an outcome that arrived for an
    appointment Attend already held is listed in the import's own transaction."""
    if not changes.happened_ids:
        return {}
    return {"safeguarding_listed": safeguarding_list_dnas(appointment_ids=changes.happened_ids)}


@transaction.atomic
def safeguarding_entry_mark_reviewed(
    *, entry: SafeguardingEntry, by: Any, note: str = "", request: HttpRequest | None = None
) -> SafeguardingEntry:
    """Record that `by` reviewed the entry, with their note, and audit it. An entry is reviewed
    once: the guarded update changes it only while it is still open, so of two reviewers at once
    the second is told (AlreadyReviewed) and the first review is kept."""
    now = timezone.now()
    note = note.strip()
    changed = SafeguardingEntry.objects.filter(pk=entry.pk, reviewed_at__isnull=True).update(
        reviewed_at=now, reviewed_by=by, note=note
    )
    if changed != 1:
        raise AlreadyReviewed(f"Safeguarding entry {entry.pk} was already reviewed.")
    entry.refresh_from_db()
    audit_record(
        action=AuditAction.CHANGE,
        target=entry,
        actor=by,
        request=request,
        summary=f"Safeguarding list: was not brought to appointment {entry.appointment.pas_id}, reviewed",
        changes={"reviewed_at": [None, now.isoformat()], "note": ["", "recorded" if note else ""]},
    )
    return entry
