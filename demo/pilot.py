"""Removing the outreach records of synthetic demo patients, so `seed_demo` can run again.

Outreach rows protect the appointments and patients they refer to (a real call record
must never vanish with a re-imported appointment); only demo data is ever removed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import QuerySet

from appointments.models import Appointment, AttendanceCode
from calls.models import BookingRequest, CallAttempt, CallTask, SupportOffer
from demo import synthetic
from pilots.allocation import allocate
from pilots.models import Allocation, Arm, Pilot

DEMO_PILOT_NAME = "Phone support pilot (synthetic demo data)"


def outreach_remove_for_demo_patients(patients: QuerySet) -> None:
    """Delete calls, attempts, support offers, booking requests and allocations of `patients`,
    and the demo's own past pilot."""
    SupportOffer.objects.filter(attempt__task__patient__in=patients).delete()
    SupportOffer.objects.filter(appointment__patient__in=patients).delete()
    CallAttempt.objects.filter(task__patient__in=patients).delete()
    CallTask.objects.filter(patient__in=patients).delete()
    BookingRequest.objects.filter(patient__in=patients).delete()
    Allocation.objects.filter(appointment__patient__in=patients).delete()
    Pilot.objects.filter(name=DEMO_PILOT_NAME, allocations__isnull=True).delete()


@dataclass(frozen=True)
class DemoPilotSummary:
    allocated: int
    intervention: int
    dnas_prevented: int


@transaction.atomic
def run_past_demo_pilot(trust: synthetic.SyntheticTrust, *, today: date) -> DemoPilotSummary:
    """The synthetic trust's past pilot (see appointments/synthetic.py): allocate its eligible
    appointments with Attend's own allocation, then turn the DNAs that support would have
    prevented in the intervention arm into attendances. Call it after `load_synthetic_trust`,
    which removes an earlier demo pilot."""
    starts_on = today - timedelta(weeks=synthetic.PILOT_WEEKS)
    eligible = {
        a.pas_id: a
        for a in trust.appointments
        if a.outcome_draw is not None
        and starts_on <= a.starts_at.date() < today
        and a.true_dna_probability >= synthetic.PILOT_MIN_RISK
    }
    pilot = Pilot.objects.create(
        name=DEMO_PILOT_NAME,
        description=(
            "Synthetic: high-risk appointments randomised 1:1 within IMD quintiles; the intervention arm's "
            f"odds of a DNA were multiplied by {synthetic.PILOT_ODDS_RATIO} (appointments/synthetic.py)."
        ),
        starts_on=starts_on,
        ends_on=today - timedelta(days=1),
        seed=2019,
    )
    appointments = list(Appointment.objects.filter(pas_id__in=eligible).select_related("patient"))
    arms = allocate(
        pilot=pilot, appointments=appointments, risk_probability=lambda a: eligible[a.pas_id].true_dna_probability
    )
    prevented = [
        a
        for a in appointments
        if arms[a.pk] == Arm.INTERVENTION and synthetic.attended_with_support(eligible[a.pas_id])
    ]
    for appointment in prevented:
        appointment.attendance_code = AttendanceCode.ATTENDED
    Appointment.objects.bulk_update(prevented, ["attendance_code"], batch_size=2000)
    return DemoPilotSummary(
        allocated=len(appointments),
        intervention=sum(arm == Arm.INTERVENTION for arm in arms.values()),
        dnas_prevented=len(prevented),
    )
