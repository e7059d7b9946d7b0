"""What the provider or the patient told us about a number, recorded on the patient.

A change is made only while the patient still has the number it concerns, so a late
error about an old number never stops texts to the new one.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from patients.models import Patient


def patients_opt_out(*, e164: str, now: datetime | None = None) -> int:
    """Every patient with this mobile stops getting texts (the provider blocks the number anyway)."""
    if not e164:
        return 0
    return Patient.objects.filter(mobile=e164, sms_opt_out=False).update(
        sms_opt_out=True, sms_opt_out_at=now or timezone.now(), updated_at=now or timezone.now()
    )


def patients_opt_in(*, e164: str) -> int:
    if not e164:
        return 0
    return Patient.objects.filter(mobile=e164, sms_opt_out=True).update(
        sms_opt_out=False, sms_opt_out_at=None, updated_at=timezone.now()
    )


def patients_mark_number_unusable(*, e164: str) -> int:
    if not e164:
        return 0
    return Patient.objects.filter(mobile=e164, mobile_unusable=False).update(
        mobile_unusable=True, updated_at=timezone.now()
    )
