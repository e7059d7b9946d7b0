"""Randomising eligible appointments to a pilot's arms.

Allocation is stratified by IMD quintile (patients with no known deprivation form their
own stratum, 0) and blocked: within each stratum, every run of `block_size` allocations
holds the arms in the pilot's ratio, in an order drawn from a generator seeded by the
pilot's seed, the stratum and the block number. Given the same seed and the same
appointments in the same order, the arms come out the same; an appointment is allocated
once and its Allocation row is never changed afterwards.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models import Count

from appointments.models import Appointment
from pilots.models import Allocation, Arm, Pilot

UNKNOWN_IMD_STRATUM = 0


class InvalidBlockSize(ValueError):
    """The block size is not a multiple of the allocation ratio's total."""


def stratum_of(appointment: Appointment) -> int:
    """The IMD quintile of the patient (1 most deprived … 5), or 0 where not known."""
    return appointment.patient.imd_quintile or UNKNOWN_IMD_STRATUM


def block_arms(pilot: Pilot, *, stratum: int, block_number: int) -> list[str]:
    """The arms of one permuted block, in order: a pure function of the pilot's settings."""
    ratio = pilot.intervention_weight + pilot.control_weight
    if ratio == 0 or pilot.block_size % ratio:
        raise InvalidBlockSize(
            f"Pilot {pilot.name!r}: block size {pilot.block_size} is not a multiple of the ratio "
            f"{pilot.intervention_weight}:{pilot.control_weight}."
        )
    repeats = pilot.block_size // ratio
    arms = [Arm.INTERVENTION.value] * (pilot.intervention_weight * repeats) + [Arm.CONTROL.value] * (
        pilot.control_weight * repeats
    )
    # Not for security: a seeded generator is what makes the allocation reproducible.
    random.Random(f"{pilot.seed}:{stratum}:{block_number}").shuffle(arms)  # noqa: S311
    return arms


def scored_probability(appointment: Appointment) -> float:
    """The appointment's risk score at allocation (0 if it has none)."""
    score = getattr(appointment, "risk_score", None)
    return score.probability if score is not None else 0.0


@transaction.atomic
def allocate(
    *,
    pilot: Pilot,
    appointments: Iterable[Appointment],
    risk_probability: Callable[[Appointment], float] = scored_probability,
) -> dict[int, str]:
    """Allocate the appointments not yet allocated; returns {appointment id: arm} for all given.

    Appointments are taken in (start time, id) order so a re-run over the same set is
    reproducible. The pilot row is locked so two builds never draw the same block slot.
    `risk_probability` gives the risk kept with each allocation for the evaluation.
    """
    Pilot.objects.select_for_update().filter(pk=pilot.pk).first()
    ordered = sorted(appointments, key=lambda a: (a.starts_at, a.pk))
    existing = dict(
        Allocation.objects.filter(appointment__in=[a.pk for a in ordered]).values_list("appointment_id", "arm")
    )
    used = dict(
        Allocation.objects.filter(pilot=pilot).values("stratum").annotate(n=Count("pk")).values_list("stratum", "n")
    )
    blocks: dict[tuple[int, int], list[str]] = {}
    new_rows = []
    for appointment in ordered:
        if appointment.pk in existing:
            continue
        stratum = stratum_of(appointment)
        slot = used.get(stratum, 0)
        used[stratum] = slot + 1
        block_number, position = divmod(slot, pilot.block_size)
        key = (stratum, block_number)
        if key not in blocks:
            blocks[key] = block_arms(pilot, stratum=stratum, block_number=block_number)
        arm = blocks[key][position]
        existing[appointment.pk] = arm
        new_rows.append(
            Allocation(
                pilot=pilot,
                appointment=appointment,
                arm=arm,
                stratum=stratum,
                block_number=block_number,
                position_in_block=position,
                risk_probability=risk_probability(appointment),
            )
        )
    Allocation.objects.bulk_create(new_rows)
    return {a.pk: existing[a.pk] for a in ordered}
