"""Why a pilot worked (or did not), beside its intention-to-treat effect.

- The complier average causal effect of being reached by a call (Bloom's estimator,
  allocated arm as the instrument, Fieller's interval: below), on the appointments that happened.
- Support by type and how far it got: offered, accepted, arranged and used on the day, with the
  DNA rate (Wilson interval) among the appointments at each stage. Descriptive: patients who take
  support up differ from those who do not; the causal figure is the CACE.
- DNAs turned into timely cancellations: per arm, of the allocated appointments whose outcome is
  known (cancellations included), the share the patient cancelled at least 2 days before, and the
  DNA share on the same denominator. The extract carries no cancellation date, so "at least 2 days
  before" is what Attend itself recorded: a cancel or rebook request (from a call or an SMS reply)
  made 2 days or more before the start. A patient cancellation Attend has no record of is counted
  as a patient cancellation of unknown notice.
- Spill-over: the DNA rate at each allocated appointment's patient's next appointment that happened
  within 90 days after it, by the allocated appointment's arm (that next appointment may itself be in
  the pilot, in either arm: randomised independently, so the comparison stays fair). Intervals do
  not allow for one patient appearing more than once.

Counts are aggregated in the database. Director views get primary suppression (config.disclosure):
a count under 5 is not shown, nor any rate, difference or effect built on one.

## The complier average causal effect: what being reached by a call did, beside offering one

Allocation is randomised, so the allocated arm is an instrument for being reached. Bloom's
estimator (Bloom 1984, "Accounting for no-shows in experimental evaluation designs", Evaluation
Review 8:225; Angrist, Imbens and Rubin 1996, JASA 91:444) divides the intention-to-treat effect
by the difference in reach between the arms:

    CACE = (DNA rate, intervention − control) ÷ (reach, intervention − reach, control)

It is the effect among compliers (patients reached because they were allocated to a call), under
the usual assumptions: allocation changes DNAs only through being reached (exclusion), and no one
is reached *because* they were in control (monotonicity). Control patients can be reached, when
they ask for a call by SMS: the denominator allows for it.

Stratified as the randomisation was: both differences are pooled across the IMD quintiles with the
Mantel–Haenszel weights n₁n₀/N, so the numerator is exactly the pilot's Mantel–Haenszel risk
difference. Their variances and covariance are the weighted sums of each stratum's binomial ones
(Cov within an arm = P(DNA and reached) − P(DNA)·P(reached), over its n); the arms are independent.

The 95% interval is Fieller's (Fieller 1954, JRSS B 16:175): the θ for which ITT − θ·R is not
significantly different from zero. Unlike the delta method it stays right when reach differs little
between the arms; when the reach difference is itself not clearly above zero the set is unbounded,
and the interval is then reported as not estimable rather than as a number that means nothing.
The delta-method standard error is given beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, OuterRef, Q, Subquery

from appointments.models import DNA_CODES, HAPPENED_CODES, Appointment, AttendanceCode
from calls.models import BookingRequest, CallAttempt, CallResult, SupportOffer, SupportStatus, SupportType
from config.disclosure import is_small, rate_is_disclosive
from pilots.models import Allocation, Arm, Pilot
from reports.stats import Z95, Difference, newcombe_difference, wilson_interval


@dataclass(frozen=True)
class ReachStratum:
    """One stratum: per arm, appointments, DNAs, reached, and reached appointments that were DNAs."""

    n1: int
    dnas1: int
    reached1: int
    reached_dnas1: int
    n0: int
    dnas0: int
    reached0: int
    reached_dnas0: int

    @property
    def usable(self) -> bool:
        return self.n1 > 0 and self.n0 > 0


@dataclass(frozen=True)
class ComplierEffect:
    itt: float | None
    reach_difference: float | None
    estimate: float | None  # change in DNA risk among compliers (negative: fewer DNAs)
    low: float | None  # Fieller 95% interval
    high: float | None
    delta_se: float | None
    not_estimable: tuple[str, ...] = ()


def _arm_moments(n: int, dnas: int, reached: int, reached_dnas: int) -> tuple[float, float, float, float, float]:
    """DNA rate, reach, and their variances and covariance as means over n appointments."""
    p, c = dnas / n, reached / n
    return p, c, p * (1 - p) / n, c * (1 - c) / n, (reached_dnas / n - p * c) / n


def complier_average_causal_effect(strata: Sequence[ReachStratum], *, z: float = Z95) -> ComplierEffect:
    usable = [s for s in strata if s.usable]
    if not usable:
        return ComplierEffect(None, None, None, None, None, None, (
            "No stratum has appointments in both arms, so the effect of being reached cannot be estimated.",
        ))  # fmt: skip
    weights = [s.n1 * s.n0 / (s.n1 + s.n0) for s in usable]
    total_weight = math.fsum(weights)
    itt = reach = var_itt = var_reach = cov = 0.0
    for w, s in zip(weights, usable, strict=True):
        p1, c1, vp1, vc1, cov1 = _arm_moments(s.n1, s.dnas1, s.reached1, s.reached_dnas1)
        p0, c0, vp0, vc0, cov0 = _arm_moments(s.n0, s.dnas0, s.reached0, s.reached_dnas0)
        share = w / total_weight
        itt += share * (p1 - p0)
        reach += share * (c1 - c0)
        var_itt += share**2 * (vp1 + vp0)
        var_reach += share**2 * (vc1 + vc0)
        cov += share**2 * (cov1 + cov0)
    if sum(s.reached1 + s.reached0 for s in usable) == 0:
        return ComplierEffect(itt, 0.0, None, None, None, None, (
            "No patient in either arm was reached by a call, so the effect of being reached cannot be estimated.",
        ))  # fmt: skip
    if reach <= 0:
        return ComplierEffect(itt, reach, None, None, None, None, (
            "The intervention arm was reached no more often than control, so allocation did not change who was "
            "reached and the effect of being reached cannot be estimated.",
        ))  # fmt: skip
    estimate = itt / reach
    delta_se = math.sqrt(max(var_itt - 2 * estimate * cov + estimate**2 * var_reach, 0.0)) / reach
    low, high, reasons = _fieller(itt, reach, var_itt, var_reach, cov, z)
    return ComplierEffect(itt, reach, estimate, low, high, delta_se, reasons)


def _fieller(
    itt: float, reach: float, var_itt: float, var_reach: float, cov: float, z: float
) -> tuple[float | None, float | None, tuple[str, ...]]:
    """Roots of (R² − z²V_R)θ² − 2(I·R − z²C)θ + (I² − z²V_I) = 0: the bounded Fieller interval, if any."""
    z2 = z * z
    a = reach**2 - z2 * var_reach
    b = itt * reach - z2 * cov
    c = itt**2 - z2 * var_itt
    discriminant = b * b - a * c
    if a <= 0 or discriminant < 0:
        return None, None, (
            "Reach differs too little between the arms to bound the effect of being reached (Fieller's interval "
            "is unbounded).",
        )  # fmt: skip
    root = math.sqrt(discriminant)
    return (b - root) / a, (b + root) / a, ()


TIMELY_NOTICE = timedelta(days=2)
SPILL_OVER_DAYS = 90
ARMS = (Arm.INTERVENTION, Arm.CONTROL)
SUPPORT_STAGES = {
    "offered": tuple(SupportStatus.values),
    "accepted": (SupportStatus.ACCEPTED, SupportStatus.ARRANGED, SupportStatus.USED),
    "arranged": (SupportStatus.ARRANGED, SupportStatus.USED),
    "used": (SupportStatus.USED,),
}
SUPPRESSED = "Suppressed: built on a count under 5."


def reached_by_a_call(appointment: str = "appointment") -> Exists:
    """A call attempt reached the patient on a call about this appointment (the one that put them
    on the list, or any other the call covered). `appointment` is the OuterRef to the appointment."""
    return Exists(
        CallAttempt.objects.filter(result=CallResult.REACHED).filter(
            Q(task__appointment=OuterRef(appointment)) | Q(task__appointments=OuterRef(appointment))
        )
    )


def _difference_dict(difference: Difference | None, *, hide: bool) -> dict[str, Any]:
    if hide or difference is None:
        return {"difference": None, "difference_ci_low": None, "difference_ci_high": None}
    return {"difference": difference.estimate, "difference_ci_low": difference.low,
            "difference_ci_high": difference.high}  # fmt: skip


def rate_dict(dnas: int, appointments: int, *, suppress: bool) -> dict[str, Any]:
    """A DNA rate as the reports show one (appointments, DNAs, rate, Wilson interval, suppressed),
    blank for a director when either the DNAs or the attendances are fewer than 5."""
    if suppress and rate_is_disclosive(dnas, appointments):
        return {"appointments": None, "dnas": None, "dna_rate": None, "ci_low": None, "ci_high": None,
                "suppressed": True}  # fmt: skip
    interval = wilson_interval(dnas, appointments)
    return {"appointments": appointments, "dnas": dnas, "dna_rate": dnas / appointments if appointments else None,
            "ci_low": interval.low if interval else None, "ci_high": interval.high if interval else None,
            "suppressed": False}  # fmt: skip


def _share_dict(events: int, total: int, *, suppress: bool) -> dict[str, Any]:
    """A share with its Wilson interval, blank for a director when either side is a count under 5."""
    if suppress and rate_is_disclosive(events, total):
        return {"count": None, "of": None if is_small(total) else total, "share": None, "ci_low": None,
                "ci_high": None, "suppressed": True}  # fmt: skip
    interval = wilson_interval(events, total)
    return {"count": events, "of": total, "share": events / total if total else None,
            "ci_low": interval.low if interval else None, "ci_high": interval.high if interval else None,
            "suppressed": False}  # fmt: skip


# --- The complier average causal effect -------------------------------------------------------


@dataclass
class ComplierAnalysis:
    strata: list[ReachStratum]
    effect: ComplierEffect

    def arm_totals(self, arm: str) -> tuple[int, int, int]:
        """(appointments, DNAs, reached) in one arm."""
        first = arm == Arm.INTERVENTION
        return (
            sum(s.n1 if first else s.n0 for s in self.strata),
            sum(s.dnas1 if first else s.dnas0 for s in self.strata),
            sum(s.reached1 if first else s.reached0 for s in self.strata),
        )

    def as_dict(self, *, suppress: bool = False) -> dict[str, Any]:
        arms = {arm: self.arm_totals(arm) for arm in ARMS}
        hide = suppress and any(
            rate_is_disclosive(dnas, n) or rate_is_disclosive(reached, n) for n, dnas, reached in arms.values()
        )
        e = self.effect
        out = {
            "reach": {arm: _share_dict(reached, n, suppress=suppress) for arm, (n, _, reached) in arms.items()},
            "suppressed": hide,
            "not_estimable": [SUPPRESSED] if hide else list(e.not_estimable),
        }
        if hide:
            return {**out, "itt": None, "reach_difference": None, "cace": None, "cace_ci_low": None,
                    "cace_ci_high": None, "delta_se": None}  # fmt: skip
        return {**out, "itt": e.itt, "reach_difference": e.reach_difference, "cace": e.estimate,
                "cace_ci_low": e.low, "cace_ci_high": e.high, "delta_se": e.delta_se}  # fmt: skip


def complier_analysis(pilot: Pilot) -> ComplierAnalysis:
    rows = (
        Allocation.objects.filter(pilot=pilot, appointment__attendance_code__in=HAPPENED_CODES)
        .annotate(reached=reached_by_a_call())
        .values("arm", "stratum")
        .annotate(
            n=Count("id"),
            dnas=Count("id", filter=Q(appointment__attendance_code__in=DNA_CODES)),
            reached_n=Count("id", filter=Q(reached=True)),
            reached_dnas=Count("id", filter=Q(reached=True, appointment__attendance_code__in=DNA_CODES)),
        )
        .order_by()
    )
    counts = {(r["arm"], r["stratum"]): (r["n"], r["dnas"], r["reached_n"], r["reached_dnas"]) for r in rows}
    strata = [
        ReachStratum(*counts.get((Arm.INTERVENTION, s), (0, 0, 0, 0)), *counts.get((Arm.CONTROL, s), (0, 0, 0, 0)))
        for s in sorted({stratum for _, stratum in counts})
    ]
    return ComplierAnalysis(strata, complier_average_causal_effect(strata))


# --- Support by type and stage ----------------------------------------------------------------


@dataclass(frozen=True)
class SupportStage:
    stage: str
    offers: int
    appointments: int  # the appointments at this stage that happened
    dnas: int


@dataclass(frozen=True)
class SupportFunnel:
    support_type: str  # "" for all support together
    stages: tuple[SupportStage, ...]

    def as_dict(self, *, suppress: bool = False) -> dict[str, Any]:
        label = SupportType(self.support_type).label if self.support_type in SupportType.values else "All support"
        return {
            "support_type": self.support_type or "all",
            "label": label,
            "stages": [
                {"stage": s.stage, "offers": None if suppress and is_small(s.offers) else s.offers,
                 **rate_dict(s.dnas, s.appointments, suppress=suppress)}
                for s in self.stages
            ],
        }  # fmt: skip


def support_funnel(pilot: Pilot) -> list[SupportFunnel]:
    """Per support type, then all together: offers at each stage and the DNA rate where they got to it."""
    happened = Q(appointment__attendance_code__in=HAPPENED_CODES)
    dna = Q(appointment__attendance_code__in=DNA_CODES)
    aggregates: dict[str, Any] = {}
    for stage, statuses in SUPPORT_STAGES.items():
        at = Q(status__in=statuses)
        aggregates[f"{stage}_offers"] = Count("id", filter=at)
        aggregates[f"{stage}_n"] = Count("appointment", filter=at & happened, distinct=True)
        aggregates[f"{stage}_dnas"] = Count("appointment", filter=at & dna, distinct=True)
    offers = SupportOffer.objects.filter(appointment__allocation__pilot=pilot)
    by_type = list(offers.values("support_type").annotate(**aggregates).order_by("support_type"))
    together = offers.aggregate(**aggregates) if by_type else None
    funnels = []
    for support_type, row in [*((r["support_type"], r) for r in by_type), *([("", together)] if together else [])]:
        stages = tuple(
            SupportStage(stage, row[f"{stage}_offers"], row[f"{stage}_n"], row[f"{stage}_dnas"])
            for stage in SUPPORT_STAGES
        )  # fmt: skip
        funnels.append(SupportFunnel(support_type, stages))
    return funnels


# --- Timely cancellations ---------------------------------------------------------------------


@dataclass(frozen=True)
class CancellationArm:
    known: int  # allocated appointments whose outcome is known (happened or cancelled)
    dnas: int
    patient_cancelled: int
    timely: int  # patient cancelled, with a request Attend recorded 2 or more days before


@dataclass
class TimelyCancellations:
    arms: dict[str, CancellationArm]

    def as_dict(self, *, suppress: bool = False) -> dict[str, Any]:
        i, c = self.arms[Arm.INTERVENTION], self.arms[Arm.CONTROL]
        out: dict[str, Any] = {
            arm: {
                "appointments": None if suppress and is_small(a.known) else a.known,
                "dnas": _share_dict(a.dnas, a.known, suppress=suppress),
                "patient_cancelled": _share_dict(a.patient_cancelled, a.known, suppress=suppress),
                "timely": _share_dict(a.timely, a.known, suppress=suppress),
            }
            for arm, a in self.arms.items()
        }
        hide_timely = suppress and (rate_is_disclosive(i.timely, i.known) or rate_is_disclosive(c.timely, c.known))
        hide_dnas = suppress and (rate_is_disclosive(i.dnas, i.known) or rate_is_disclosive(c.dnas, c.known))
        timely = newcombe_difference(i.timely, i.known, c.timely, c.known)
        dnas = newcombe_difference(i.dnas, i.known, c.dnas, c.known)
        statements = []
        if i.known == 0 or c.known == 0:
            statements.append("An arm has no appointments with a known outcome, so the arms cannot be compared.")
        elif i.patient_cancelled + c.patient_cancelled == 0:
            statements.append("No patient cancelled an appointment in either arm.")
        elif i.timely + c.timely == 0:
            statements.append(
                "Attend recorded no cancel or rebook request 2 or more days ahead in either arm "
                "(a patient who cancelled with the hospital directly is not known to Attend)."
            )
        return {
            **out,
            "timely_difference": _difference_dict(timely, hide=hide_timely),
            "dna_difference": _difference_dict(dnas, hide=hide_dnas),
            "statements": statements,
        }


def timely_cancellations(pilot: Pilot) -> TimelyCancellations:
    early_request = Exists(
        BookingRequest.objects.filter(
            appointment=OuterRef("appointment"),
            created_at__lte=ExpressionWrapper(
                OuterRef("appointment__starts_at") - TIMELY_NOTICE, output_field=DateTimeField()
            ),
        )
    )
    cancelled = Q(appointment__attendance_code=AttendanceCode.PATIENT_CANCELLED)
    rows = (
        Allocation.objects.filter(pilot=pilot)
        .exclude(appointment__attendance_code=AttendanceCode.NOT_YET_KNOWN)
        .annotate(early=early_request)
        .values("arm")
        .annotate(
            known=Count("id"),
            dnas=Count("id", filter=Q(appointment__attendance_code__in=DNA_CODES)),
            patient_cancelled=Count("id", filter=cancelled),
            timely=Count("id", filter=cancelled & Q(early=True)),
        )
        .order_by()
    )
    found = {r["arm"]: CancellationArm(r["known"], r["dnas"], r["patient_cancelled"], r["timely"]) for r in rows}
    return TimelyCancellations({arm: found.get(arm, CancellationArm(0, 0, 0, 0)) for arm in ARMS})


# --- Spill-over to the next appointment -------------------------------------------------------


@dataclass
class SpillOver:
    arms: dict[str, tuple[int, int]]  # arm -> (next appointments that happened, DNAs among them)

    def as_dict(self, *, suppress: bool = False) -> dict[str, Any]:
        (n1, dnas1), (n0, dnas0) = self.arms[Arm.INTERVENTION], self.arms[Arm.CONTROL]
        hide = suppress and (rate_is_disclosive(dnas1, n1) or rate_is_disclosive(dnas0, n0))
        statements = []
        if n1 == 0 or n0 == 0:
            statements.append(f"An arm has no patients with a later appointment within {SPILL_OVER_DAYS} days that "
                              "has happened, so spill-over cannot be estimated yet.")  # fmt: skip
        difference = newcombe_difference(dnas1, n1, dnas0, n0)
        return {
            "days": SPILL_OVER_DAYS,
            **{arm: rate_dict(dnas, n, suppress=suppress) for arm, (n, dnas) in self.arms.items()},
            **_difference_dict(difference, hide=hide),
            "statements": statements,
        }


def spill_over(pilot: Pilot) -> SpillOver:
    starts = OuterRef("appointment__starts_at")
    next_outcome = (
        Appointment.objects.filter(
            patient=OuterRef("appointment__patient"),
            attendance_code__in=HAPPENED_CODES,
            starts_at__gt=starts,
            starts_at__lte=ExpressionWrapper(starts + timedelta(days=SPILL_OVER_DAYS), output_field=DateTimeField()),
        )
        .exclude(pk=OuterRef("appointment"))
        .order_by("starts_at", "pk")
        .values("attendance_code")[:1]
    )
    rows = (
        Allocation.objects.filter(pilot=pilot)
        .annotate(next_code=Subquery(next_outcome))
        .filter(next_code__isnull=False)
        .values("arm")
        .annotate(n=Count("id"), dnas=Count("id", filter=Q(next_code__in=DNA_CODES)))
        .order_by()
    )
    found = {r["arm"]: (r["n"], r["dnas"]) for r in rows}
    return SpillOver({arm: found.get(arm, (0, 0)) for arm in ARMS})
