"""The demo's past pilot, and removing the outreach records of synthetic demo patients so
`seed_demo` can run again.

Outreach rows protect the appointments and patients they refer to (a real call record
must never vanish with a re-imported appointment); only demo data is ever removed.

The past pilot is simulated with a known effect that works only through being reached, so the
evaluation's complier average causal effect has a truth to recover:
- every allocated appointment of a patient with a mobile (not opted out) has a delivered SMS
  reminder with chance REMINDER_DELIVERED;
- every intervention appointment gets a call; a patient with a number is reached with the chance
  REACH_BY_QUINTILE gives (lower where deprivation is higher, as in the case study), one who opted
  out of texts too (STOP ends texts only), one without a number never; control patients who get
  texts ask for a call by SMS with chance ASKS_FOR_A_CALL and are then reached with chance
  REACHED_WHEN_ASKED (always-takers), whatever their arm;
- being reached multiplies the odds of a DNA by PILOT_ODDS_RATIO (demo/synthetic.py, the same
  uniform draw), so the true effect among compliers is the mean of p·OR/(1 − p + p·OR) − p over
  them (`DemoPilotSummary.true_complier_effect`);
- a reached patient is offered support with chance SUPPORT_OFFERED; it is declined, accepted,
  arranged, and used on the day when arranged and the patient attended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Team
from appointments.models import Appointment, AttendanceCode
from calls.models import (
    BookingRequest,
    CallAttempt,
    CallResult,
    CallTask,
    CallTaskReason,
    SupportOffer,
    SupportStatus,
    SupportType,
)
from calls.transitions import calls_create_closed
from demo import synthetic
from pilots.allocation import allocate
from pilots.models import Allocation, AnalysisPlan, Arm, Pilot
from reminders.models import Reminder, ReminderStatus

DEMO_PILOT_NAME = "Phone support pilot (synthetic demo data)"
DEMO_TEAM = "Outpatient outreach"
DEMO_HANDLER = "demo-pilot-calls"
REMINDER_DELIVERED = 0.92
REACH_BY_QUINTILE = {1: 0.5, 2: 0.56, 3: 0.62, 4: 0.68, 5: 0.74, None: 0.6}
ASKS_FOR_A_CALL = 0.04
REACHED_WHEN_ASKED = 0.8
SUPPORT_OFFERED = 0.45
SUPPORT_TYPES = (SupportType.TRANSPORT_ROUTES, SupportType.TRAVEL_COSTS, SupportType.PATIENT_TRANSPORT,
                 SupportType.CARER_CHILDCARE)  # fmt: skip


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
    reached: int = 0
    true_complier_effect: float | None = None  # mean change in DNA probability among compliers


@transaction.atomic
def run_past_demo_pilot(trust: synthetic.SyntheticTrust, *, today: date) -> DemoPilotSummary:
    """The synthetic trust's past pilot: allocate its eligible appointments with Attend's own
    allocation, simulate reminders, calls and support (module docstring), then turn the DNAs that
    being reached would have prevented into attendances. Call it after `load_synthetic_trust`,
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
            "Synthetic: high-risk appointments randomised 1:1 within IMD quintiles; the intervention arm was called, "
            f"and being reached multiplied the odds of a DNA by {synthetic.PILOT_ODDS_RATIO} (demo/pilot.py)."
        ),
        starts_on=starts_on,
        ends_on=today - timedelta(days=1),
        seed=2019,
    )
    plan = AnalysisPlan.objects.create(
        pilot=pilot,
        minimum_detectable_effect_points=5,
        baseline_dna_rate_percent=40,
        notes="Baseline: the high-risk band's DNA rate over the year before (about 40%). Secondary: the change "
        "in the quintile 1 − quintile 5 gap, the effect of being reached (CACE), "
        "support used, timely cancellations and DNAs at the next appointment within 90 days.",
    )
    # A past pilot's plan was written before it began (registered_at is set on creation).
    registered = timezone.make_aware(datetime.combine(starts_on - timedelta(days=14), time(9)))
    AnalysisPlan.objects.filter(pk=plan.pk).update(registered_at=registered)
    appointments = list(Appointment.objects.filter(pas_id__in=eligible).select_related("patient"))
    arms = allocate(
        pilot=pilot, appointments=appointments, risk_probability=lambda a: eligible[a.pas_id].true_dna_probability
    )
    rng = np.random.default_rng(pilot.seed)
    # Patients who texted STOP are still called (STOP ends texts only); their draws come from a
    # stream of their own, so the rest of the simulated pilot is the same as before that rule.
    opted_out_rng = np.random.default_rng([pilot.seed, 1])
    reached, complier_effects = [], []
    for appointment in sorted(appointments, key=lambda a: a.pk):
        patient = appointment.patient
        callable_ = bool(patient.mobile or patient.other_phone or patient.contact_phone)
        textable = bool(patient.mobile) and not patient.sms_opt_out
        draws = rng if textable else opted_out_rng
        would_be_reached = callable_ and draws.random() < REACH_BY_QUINTILE[patient.imd_quintile]
        # Asking for a call is a reply to a text: only a patient who gets texts can.
        always_taker = textable and rng.random() < ASKS_FOR_A_CALL and rng.random() < REACHED_WHEN_ASKED
        if would_be_reached and not always_taker:
            complier_effects.append(_treated(eligible[appointment.pas_id].true_dna_probability))
        if always_taker or (arms[appointment.pk] == Arm.INTERVENTION and would_be_reached):
            reached.append(appointment)
    prevented = [a for a in reached if synthetic.attended_with_support(eligible[a.pas_id])]
    for appointment in prevented:
        appointment.attendance_code = AttendanceCode.ATTENDED
    Appointment.objects.bulk_update(prevented, ["attendance_code"], batch_size=2000)
    _simulate_outreach(appointments, arms, {a.pk for a in reached}, rng)
    return DemoPilotSummary(
        allocated=len(appointments),
        intervention=sum(arm == Arm.INTERVENTION for arm in arms.values()),
        dnas_prevented=len(prevented),
        reached=len(reached),
        true_complier_effect=float(np.mean(complier_effects)) if complier_effects else None,
    )


def _treated(p: float) -> float:
    """The change in DNA probability being reached makes: odds × PILOT_ODDS_RATIO."""
    odds = p / (1 - p) * synthetic.PILOT_ODDS_RATIO
    return odds / (1 + odds) - p


def _simulate_outreach(
    appointments: list[Appointment], arms: dict[int, str], reached: set[int], rng: np.random.Generator
) -> None:
    """Reminders, calls, attempts and support for the pilot's appointments, in bulk."""
    team, _ = Team.objects.get_or_create(name=DEMO_TEAM)
    handler, created = get_user_model().objects.get_or_create(username=DEMO_HANDLER, defaults={"is_active": False})
    if created:
        handler.set_unusable_password()
        handler.save(update_fields=["password"])
    reminders, tasks = [], []
    for appointment in appointments:
        patient = appointment.patient
        if patient.mobile and not patient.sms_opt_out and rng.random() < REMINDER_DELIVERED:
            sent = appointment.starts_at - timedelta(days=2)
            reminders.append(Reminder(appointment=appointment, rule="2d", due_at=sent, status=ReminderStatus.DELIVERED,
                                      to_number=patient.mobile, sent_at=sent, delivered_at=sent,
                                      appointment_starts_at=appointment.starts_at))  # fmt: skip
        if arms[appointment.pk] == Arm.INTERVENTION or appointment.pk in reached:
            asked = arms[appointment.pk] == Arm.CONTROL
            tasks.append(CallTask(team=team, patient=patient, appointment=appointment,
                                  list_date=(appointment.starts_at - timedelta(days=2)).date(),
                                  reason=CallTaskReason.PATIENT_ASKED if asked else CallTaskReason.HIGH_RISK,
                                  priority=0.5, attempts_made=1,
                                  closed_at=appointment.starts_at - timedelta(days=2),
                                  close_reason="Reached the patient" if appointment.pk in reached
                                  else "not answered after 1 attempts"))  # fmt: skip
    Reminder.objects.bulk_create(reminders, batch_size=2000)
    calls_create_closed(tasks)
    CallTask.appointments.through.objects.bulk_create(
        [CallTask.appointments.through(calltask_id=t.pk, appointment_id=t.appointment_id) for t in tasks],
        batch_size=2000,
    )
    attempts = [
        CallAttempt(task=t, handler=handler,
                    result=CallResult.REACHED if t.appointment_id in reached else CallResult.NO_ANSWER)
        for t in tasks
    ]  # fmt: skip
    CallAttempt.objects.bulk_create(attempts, batch_size=2000)
    SupportOffer.objects.bulk_create(
        [offer for attempt in attempts if attempt.result == CallResult.REACHED
         for offer in _support_offer(attempt, rng)],
        batch_size=2000,
    )  # fmt: skip


def _support_offer(attempt: CallAttempt, rng: np.random.Generator) -> list[SupportOffer]:
    if rng.random() >= SUPPORT_OFFERED:
        return []
    appointment = attempt.task.appointment
    draw = rng.random()
    if draw < 0.25:
        status = SupportStatus.DECLINED
    elif draw < 0.45:
        status = SupportStatus.ACCEPTED
    elif appointment.attendance_code in (AttendanceCode.ATTENDED, AttendanceCode.ATTENDED_LATE_SEEN):
        status = SupportStatus.USED if rng.random() < 0.85 else SupportStatus.ARRANGED
    else:
        status = SupportStatus.ARRANGED
    support_type = SUPPORT_TYPES[int(rng.integers(0, len(SUPPORT_TYPES)))]
    return [SupportOffer(attempt=attempt, appointment=appointment, support_type=support_type, status=status)]
