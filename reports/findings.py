"""What a pilot's evaluation says beyond its intention-to-treat effect, in one place for the page,
the API and evaluate_pilot: did it narrow the gap (reports.inequality), why it worked
(reports.mechanisms), whom it reached (reports.reach) and its pre-registered plan (below).
Each part says in words what it cannot estimate; nothing here is a number that means nothing.

## The analysis plan beside the result

A pilot's pre-registered analysis plan beside its result: the sample size it needed, from the
trust's own DNA rates, against the appointments it got.

- Baseline: the plan's own expected control rate if it gives one; else the trust's DNA rate in the
  pilot's scope (its sites, specialties and clinics) over the 365 days before it started, all
  appointments there (not only the eligible high-risk ones, whose rate is higher: a plan for those
  should give its baseline).
- Primary outcome "DNA rate": appointments per arm for a two-sided two-proportion test to detect a
  fall of the minimum detectable effect (reports.stats.two_proportion_sample_size, Fleiss, Levin and
  Paik 2003, eq. 4.14), in the pilot's allocation ratio.
- Primary outcome "the gap": appointments per arm in each of quintiles 1 and 5 for the difference in
  differences (reports.stats.difference_in_differences) to detect the gap narrowing by the minimum
  detectable effect (quintile 1 falls by it, quintile 5 does not change): n = (z₁₋α/₂ + z₁₋β)² ×
  Σ p(1 − p) / Δ² over the four cells, equal cells (the Wald test's own variance).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from scipy import stats as scipy_stats

from appointments.models import DNA_CODES, Appointment
from calls.models import CallAttempt
from patients.deprivation.quintiles import deciles_in_quintile
from pilots.models import AnalysisPlan, Arm, Pilot, PrimaryOutcome
from reports.inequality import PilotInequality, pilot_inequality
from reports.mechanisms import (
    ComplierAnalysis,
    SpillOver,
    SupportFunnel,
    TimelyCancellations,
    complier_analysis,
    spill_over,
    support_funnel,
    timely_cancellations,
)
from reports.reach import REACH_DIMENSIONS, Reach, pilot_reach
from reports.stats import SampleSize, two_proportion_sample_size

BASELINE_DAYS = 365


@dataclass
class PlanCheck:
    plan: AnalysisPlan
    baseline_rate: float | None
    baseline_source: str
    needed: SampleSize | None  # per arm (for the gap: per arm in each of quintiles 1 and 5)
    achieved_intervention: int
    achieved_control: int
    statements: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        plan = self.plan
        return {
            "primary_outcome": plan.primary_outcome,
            "primary_outcome_label": PrimaryOutcome(plan.primary_outcome).label,
            "strata": plan.strata,
            "minimum_detectable_effect_points": plan.minimum_detectable_effect_points,
            "alpha": plan.alpha,
            "power": plan.power,
            "notes": plan.notes,
            "registered_at": plan.registered_at.isoformat(),
            "registered_before_start": plan.registered_at.date() <= plan.pilot.starts_on,
            "baseline_dna_rate": self.baseline_rate,
            "baseline_source": self.baseline_source,
            "needed_intervention": self.needed.intervention if self.needed else None,
            "needed_control": self.needed.control if self.needed else None,
            "needed_per": "arm in each of IMD quintiles 1 and 5"
            if plan.primary_outcome == PrimaryOutcome.GAP
            else "arm",
            "achieved_intervention": self.achieved_intervention,
            "achieved_control": self.achieved_control,
            "statements": list(self.statements),
        }


def _scope(pilot: Pilot):
    appointments = Appointment.objects.happened().filter(
        starts_at__date__gte=pilot.starts_on - timedelta(days=BASELINE_DAYS), starts_at__date__lt=pilot.starts_on
    )
    for scope, field_name in (("sites", "site"), ("specialties", "specialty"), ("clinics", "clinic")):
        chosen = list(getattr(pilot, scope).values_list("pk", flat=True))
        if chosen:
            appointments = appointments.filter(**{f"{field_name}__in": chosen})
    return appointments


def _rate(counts: dict[str, int], prefix: str = "") -> float | None:
    n = counts[f"{prefix}n"]
    return (counts[f"{prefix}dnas"] or 0) / n if n else None


def _trust_rates(pilot: Pilot) -> dict[str, int]:
    dna = Q(attendance_code__in=DNA_CODES)
    q1, q5 = Q(patient__imd_decile__in=deciles_in_quintile(1)), Q(patient__imd_decile__in=deciles_in_quintile(5))
    return _scope(pilot).aggregate(
        n=Count("id"),
        dnas=Count("id", filter=dna),
        q1_n=Count("id", filter=q1),
        q1_dnas=Count("id", filter=q1 & dna),
        q5_n=Count("id", filter=q5),
        q5_dnas=Count("id", filter=q5 & dna),
    )


def analysis_plan_check(pilot: Pilot, *, achieved_intervention: int, achieved_control: int) -> PlanCheck | None:
    """The plan with the sample size it needs, or None when the pilot has no plan."""
    plan = AnalysisPlan.objects.filter(pilot=pilot).select_related("pilot").first()
    if plan is None:
        return None
    statements: list[str] = []
    rates = _trust_rates(pilot)
    if plan.baseline_dna_rate_percent is not None:
        baseline, source = plan.baseline_dna_rate_percent / 100, "the plan's expected control rate"
    else:
        baseline = _rate(rates)
        source = (
            f"the trust's own DNA rate in the pilot's scope over the {BASELINE_DAYS} days before it started "
            f"({rates['n']:,} appointments)"
        )
    effect = plan.minimum_detectable_effect_points / 100
    ratio = pilot.control_weight / pilot.intervention_weight if pilot.intervention_weight else 1.0
    needed = None
    if baseline is None:
        statements.append("No appointments in the pilot's scope in the year before it started: no baseline rate, so "
                          "the sample size cannot be worked out (give the plan an expected control rate).")  # fmt: skip
    elif plan.primary_outcome == PrimaryOutcome.GAP:
        needed = _gap_sample_size(plan, rates, effect, ratio, statements)
    elif baseline - effect <= 0:
        statements.append(
            f"The minimum detectable effect ({plan.minimum_detectable_effect_points:g} points) is not below the "
            f"baseline rate ({100 * baseline:.1f}%), so no sample size can detect it."
        )
    else:
        needed = two_proportion_sample_size(
            baseline, baseline - effect, alpha=plan.alpha, power=plan.power, control_per_intervention=ratio
        )
    if needed and plan.primary_outcome == PrimaryOutcome.DNA_RATE:
        short = achieved_intervention < needed.intervention or achieved_control < needed.control
        statements.append(
            "The pilot had fewer appointments than its plan needed, so a true effect of that size could be missed."
            if short
            else "The pilot had the appointments its plan needed."
        )
    return PlanCheck(plan, baseline, source, needed, achieved_intervention, achieved_control, statements)


def _gap_sample_size(
    plan: AnalysisPlan, rates: dict[str, int], effect: float, ratio: float, statements: list[str]
) -> SampleSize | None:
    q1, q5 = _rate(rates, "q1_"), _rate(rates, "q5_")
    if plan.baseline_dna_rate_percent is not None or q1 is None or q5 is None:
        statements.append("The gap's sample size needs the trust's own rates in quintiles 1 and 5 over the year "
                          "before the pilot; they are not both known.")  # fmt: skip
        return None
    if q1 - effect <= 0:
        statements.append("The minimum detectable effect is not below quintile 1's baseline rate.")
        return None
    z = scipy_stats.norm.ppf(1 - plan.alpha / 2) + scipy_stats.norm.ppf(plan.power)
    treated = q1 - effect
    variance_sum = treated * (1 - treated) + q1 * (1 - q1) * ratio**-1 + q5 * (1 - q5) * (1 + 1 / ratio)
    n = math.ceil(z * z * variance_sum / effect**2 - 1e-9)
    return SampleSize(n, math.ceil(ratio * n - 1e-9))


NO_CALLS = (
    "No calls were recorded for this pilot, so there is no reach to report, no effect of being reached and no "
    "calls per DNA avoided."
)


@dataclass
class PilotFindings:
    calls: int
    plan: PlanCheck | None
    inequality: PilotInequality
    complier: ComplierAnalysis
    support: list[SupportFunnel]
    cancellations: TimelyCancellations
    spill_over: SpillOver
    reach: list[Reach]  # by IMD quintile, ethnic group and language

    def as_dict(self, *, suppress: bool = False) -> dict[str, Any]:
        return {
            "statements": [NO_CALLS] if self.calls == 0 else [],
            "analysis_plan": self.plan.as_dict() if self.plan else None,
            "inequality": self.inequality.as_dict(suppress=suppress),
            "complier_effect": self.complier.as_dict(suppress=suppress),
            "support_stages": [funnel.as_dict(suppress=suppress) for funnel in self.support],
            "timely_cancellations": self.cancellations.as_dict(suppress=suppress),
            "spill_over": self.spill_over.as_dict(suppress=suppress),
            "reach": [reach.as_dict(suppress=suppress) for reach in self.reach],
        }


def pilot_calls(pilot: Pilot) -> int:
    """Call attempts about the pilot's appointments, in either arm."""
    return (
        CallAttempt.objects.filter(
            Q(task__appointment__allocation__pilot=pilot) | Q(task__appointments__allocation__pilot=pilot)
        )
        .distinct()
        .count()
    )


def pilot_findings(pilot: Pilot) -> PilotFindings:
    complier = complier_analysis(pilot)
    return PilotFindings(
        calls=pilot_calls(pilot),
        plan=analysis_plan_check(
            pilot,
            achieved_intervention=complier.arm_totals(Arm.INTERVENTION)[0],
            achieved_control=complier.arm_totals(Arm.CONTROL)[0],
        ),
        inequality=pilot_inequality(pilot),
        complier=complier,
        support=support_funnel(pilot),
        cancellations=timely_cancellations(pilot),
        spill_over=spill_over(pilot),
        reach=[pilot_reach(pilot, by=by) for by in REACH_DIMENSIONS],
    )
