"""Recording corrections, deciding what an import may do to them, and reading them back.

The rule an import follows for a field with a correction in force (the latest one):

| the PAS value is … | Attend keeps | recorded |
| --- | --- | --- |
| the corrected value | it (the PAS has caught up) | nothing |
| blank, or what Attend held before the correction | its correction | nothing: the PAS is older |
| different, but the extract is not newer than the correction | its correction | nothing |
| different, and the extract newer than the correction | its correction | a conflict for a team lead |

So a correction is never overwritten by an import; a team lead settles a conflict (by
correcting the value again, which starts a new correction, or marking it resolved).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from patients.corrections.models import CorrectableField, CorrectionConflict, LocalCorrection
from patients.models import Patient

CORRECTABLE_FIELDS = frozenset(CorrectableField.values)
Values = TypeVar("Values")  # a frozen dataclass of a patient's extract values (the importer's PatientValues)


def correction_text(value: Any) -> str:
    """A field's value as the extract writes it: yes/no as Y/N, None as blank."""
    if isinstance(value, bool):
        return "Y" if value else "N"
    return "" if value is None else str(value)


def correction_value(field: str, text: str) -> Any:
    """The model value for a correction's text (the inverse of `correction_text`)."""
    return text == "Y" if field == CorrectableField.INTERPRETER_REQUIRED else text


@transaction.atomic
def local_corrections_record(
    *, patient: Patient, previous: dict[str, Any], corrected_by: Any, source: str = "call", now: datetime | None = None
) -> list[LocalCorrection]:
    """Record the patient's current values of the `previous` fields as corrections made now
    (call after saving them). Fields Attend does not protect are ignored."""
    now = now or timezone.now()
    return LocalCorrection.objects.bulk_create(
        LocalCorrection(
            patient=patient,
            field=name,
            value=correction_text(getattr(patient, name)),
            previous_value=correction_text(before),
            source=source,
            corrected_at=now,
            corrected_by=corrected_by if getattr(corrected_by, "pk", None) else None,
        )
        for name, before in previous.items()
        if name in CORRECTABLE_FIELDS
    )


def corrections_in_force(*, hospital_numbers: Iterable[str]) -> dict[tuple[str, str], LocalCorrection]:
    """(hospital number, field) → the latest correction of that field, for these patients."""
    found: dict[tuple[str, str], LocalCorrection] = {}
    rows = (
        LocalCorrection.objects.filter(patient__hospital_number__in=list(hospital_numbers))
        .select_related("patient")
        .order_by("corrected_at", "id")
    )
    for correction in rows:
        found[(correction.patient.hospital_number, correction.field)] = correction  # later ones win
    return found


class PasValue(Enum):
    AGREES = "agrees"  # the PAS now holds the corrected value
    OLDER = "older"  # blank, the value corrected away, or from an extract older than the correction
    CONFLICT = "conflict"  # newer and different: Attend keeps its value, a team lead decides


def pas_value_against(correction: LocalCorrection, pas_text: str, *, extract_at: datetime) -> PasValue:
    """What an extract's value of a corrected field means (the table in this module's docstring)."""
    if pas_text == correction.value:
        return PasValue.AGREES
    if not pas_text or pas_text == correction.previous_value or extract_at <= correction.corrected_at:
        return PasValue.OLDER
    return PasValue.CONFLICT


@transaction.atomic
def correction_conflicts_record(*, conflicts: list[tuple[LocalCorrection, str]], seen_at: datetime) -> int:
    """Record each (correction, newer PAS value) once; seen again, its last_seen_at moves on.
    Returns how many conflicts are new."""
    if not conflicts:
        return 0
    wanted = {(correction.pk, pas_value): correction for correction, pas_value in conflicts}
    known = {
        (correction_id, pas_value): pk
        for correction_id, pas_value, pk in CorrectionConflict.objects.filter(
            correction__in={key[0] for key in wanted}
        ).values_list("correction_id", "pas_value", "pk")
    }
    CorrectionConflict.objects.filter(pk__in=[known[key] for key in wanted if key in known]).update(
        last_seen_at=seen_at
    )
    new = [
        CorrectionConflict(
            correction=correction,
            patient_id=correction.patient_id,
            field=correction.field,
            attend_value=correction.value,
            pas_value=pas_value,
            first_seen_at=seen_at,
            last_seen_at=seen_at,
        )
        for (_, pas_value), correction in wanted.items()
        if (correction.pk, pas_value) not in known
    ]
    CorrectionConflict.objects.bulk_create(new)
    return len(new)


def corrections_since(*, since: datetime) -> QuerySet[LocalCorrection]:
    """Corrections made at or after `since`, oldest first: what the trust writes back to its PAS."""
    return (
        LocalCorrection.objects.filter(corrected_at__gte=since)
        .select_related("patient", "corrected_by")
        .order_by("corrected_at", "id")
    )


def keep_local_corrections(
    patients: dict[str, Values], *, fields: tuple[str, ...], extract_at: datetime
) -> dict[str, Values]:
    """An import chunk's patients (hospital number → its values) with every corrected field in
    `fields` (those the file gives) set to Attend's value; conflicts recorded as seen at `extract_at`.

    Both import writers (the portable one and PostgreSQL's) pass each chunk through this before
    they compare and write, so the rule has one home and the two cannot drift.
    """
    conflicts = []
    kept: dict[str, dict[str, Any]] = {}
    for (number, field), correction in corrections_in_force(hospital_numbers=patients).items():
        if field not in fields:
            continue
        pas_text = correction_text(getattr(patients[number], field))
        outcome = pas_value_against(correction, pas_text, extract_at=extract_at)
        if outcome is PasValue.CONFLICT:
            conflicts.append((correction, pas_text))
        if outcome is not PasValue.AGREES:
            kept.setdefault(number, {})[field] = correction_value(field, correction.value)
    correction_conflicts_record(conflicts=conflicts, seen_at=extract_at)
    if not kept:
        return patients
    return {
        number: dataclasses.replace(values, **kept[number]) if number in kept else values  # type: ignore[type-var]
        for number, values in patients.items()
    }
