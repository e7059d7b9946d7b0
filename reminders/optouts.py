"""What the provider or the patient told us about a number, recorded on the patient.

A change is made only while the patient still has the number it concerns, so a late
error about an old number never stops texts to the new one. Each change is written to
the audit trail, like every other change to patient data.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from patients.models import Patient


def _change(patients, *, field: str, before, after, why: str, **extra) -> int:
    changed = 0
    for patient in patients.only("pk"):
        if Patient.objects.filter(pk=patient.pk, **{field: before}).update(
            **{field: after}, updated_at=timezone.now(), **extra
        ):
            changed += 1
            audit_record(
                action=AuditAction.CHANGE, target=patient, actor_label="sms", summary=why,
                changes={field: [str(before), str(after)]},
            )  # fmt: skip
    return changed


def _texted_at(e164: str):
    """The patients whose texts go to this number: their own mobile, or a child's parent or carer."""
    return Patient.objects.filter(Q(mobile=e164) | Q(contact_phone=e164))


def patients_opt_out(*, e164: str, now: datetime | None = None) -> int:
    """Every patient with this mobile, or whose texts go to it (a child's parent or carer), stops
    getting texts (the provider blocks the number anyway)."""
    if not e164:
        return 0
    return _change(
        _texted_at(e164).filter(sms_opt_out=False), field="sms_opt_out", before=False, after=True,
        why="Opted out of SMS (STOP, or the provider reported the number unsubscribed)",
        sms_opt_out_at=now or timezone.now(),
    )  # fmt: skip


def patients_opt_in(*, e164: str) -> int:
    if not e164:
        return 0
    return _change(
        _texted_at(e164).filter(sms_opt_out=True), field="sms_opt_out", before=True, after=False,
        why="Opted back in to SMS (START)", sms_opt_out_at=None,
    )  # fmt: skip


def patients_mark_number_unusable(*, e164: str) -> int:
    if not e164:
        return 0
    return _change(
        Patient.objects.filter(mobile=e164, mobile_unusable=False), field="mobile_unusable", before=False,
        after=True, why="The SMS provider reported this mobile number cannot receive texts",
    )  # fmt: skip
