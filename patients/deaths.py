"""A recorded death is never undone by an import.

The extract's `date_of_death` (or FHIR Patient.deceased[x]) marks a patient deceased. A later
extract that no longer says so is far more likely a data-entry slip than a resurrection, and
getting it wrong restarts texts and calls to a bereaved family; so Attend keeps the patient
deceased and records a DeathConflict for a team lead, who settles it (admin → Death conflicts).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone

from audit.models import AuditAction
from audit.services import audit_record
from patients.models import DeathConflict, Patient

Values = TypeVar("Values")  # the importer's PatientValues (frozen dataclass with deceased, date_of_death)


def deaths_kept(patients: dict[str, Values], *, seen_at: datetime) -> tuple[dict[str, Values], list[str]]:
    """The chunk's patients (hospital number → values) with every death Attend holds kept, and
    the hospital numbers the extract says have died that Attend did not yet hold as deceased."""
    recorded = dict(
        Patient.objects.filter(hospital_number__in=list(patients), deceased=True).values_list(
            "hospital_number", "date_of_death"
        )
    )
    kept: dict[str, Any] = {}
    lost = []
    for number, values in patients.items():
        if number not in recorded:
            continue
        if not values.deceased:  # type: ignore[attr-defined]
            lost.append(number)
            kept[number] = dataclasses.replace(values, deceased=True, date_of_death=recorded[number])  # type: ignore[type-var]
        elif values.date_of_death is None and recorded[number] is not None:  # type: ignore[attr-defined]
            kept[number] = dataclasses.replace(values, date_of_death=recorded[number])  # type: ignore[type-var]
    death_conflicts_record(hospital_numbers=lost, seen_at=seen_at)
    newly = [number for number, values in patients.items() if values.deceased and number not in recorded]  # type: ignore[attr-defined]
    return ({**patients, **kept} if kept else patients), newly


def death_conflicts_record(*, hospital_numbers: list[str], seen_at: datetime) -> int:
    """One open conflict per patient (seen again: last_seen_at moves on); none for a patient a team
    lead has already confirmed as deceased. Returns how many are new."""
    if not hospital_numbers:
        return 0
    patients = dict(Patient.objects.filter(hospital_number__in=hospital_numbers).values_list("pk", "date_of_death"))
    settled = DeathConflict.objects.filter(patient__in=patients).filter(
        resolved_at__isnull=True
    ) | DeathConflict.objects.filter(patient__in=patients, resolution="deceased")
    known = set(settled.values_list("patient_id", flat=True))
    DeathConflict.objects.filter(patient__in=patients, resolved_at__isnull=True).update(last_seen_at=seen_at)
    new = [
        DeathConflict(patient_id=pk, date_of_death=died, first_seen_at=seen_at, last_seen_at=seen_at)
        for pk, died in patients.items()
        if pk not in known
    ]
    DeathConflict.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def death_conflict_settle(*, conflict: DeathConflict, alive: bool, by: Any, request: Any = None) -> bool:
    """A team lead's answer, audited: the patient is alive (Attend may contact them again) or still
    deceased. Returns False (nothing done) if someone settled it first."""
    person = by if getattr(by, "pk", None) else None
    settled = DeathConflict.objects.filter(pk=conflict.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=person, resolution="alive" if alive else "deceased"
    )
    if not settled:
        return False
    if alive:
        Patient.objects.filter(pk=conflict.patient_id).update(
            deceased=False, date_of_death=None, updated_at=timezone.now()
        )
    audit_record(
        action=AuditAction.CHANGE,
        target=conflict.patient,
        actor=person,
        actor_label="" if person else "system",
        request=request,
        summary="Death record checked: " + ("the patient is alive" if alive else "still deceased"),
        changes={"deceased": [True, not alive]},
    )
    return True
