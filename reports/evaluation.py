"""Pilot evaluation: did calling high-risk patients cut DNAs, for whom, and at what cost?

Intervention against control on the appointments that have happened (cancellations
excluded), overall and within each IMD quintile the randomisation was stratified by.
Every count is aggregated in the database; Python adds the intervals and tests.

- The pilot's effect is stratified, as its randomisation was: the Mantel–Haenszel risk
  difference across IMD quintiles (Sato's variance), the Mantel–Haenszel relative risk
  (Greenland–Robins), the Cochran–Mantel–Haenszel test and tests of heterogeneity across
  quintiles (reports.stats.mantel_haenszel). Arm sizes can differ between quintiles, and then
  pooling the arms (the "crude" difference, still shown, labelled) can even reverse the sign.
- Within a quintile: risk difference = intervention DNA rate − control DNA rate, with
  Newcombe's interval; relative risk with its log-scale interval; chi-square p-value
  (Fisher's exact test when an expected count is under 5).
- DNAs avoided = −(stratified risk difference) × intervention appointments that happened.
- Reach rate = intervention allocations whose call reached the patient ÷ intervention allocations.
- Call-handler time = call attempts × ATTEND_MINUTES_PER_CALL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from appointments.models import DNA_CODES, HAPPENED_CODES, dna_count
from calls.models import CallAttempt, CallResult, SupportOffer, SupportStatus, SupportType
from pilots.models import Allocation, Arm, Pilot
from reports.selectors import RateRow
from reports.stats import (
    Difference,
    Ratio,
    StratifiedEffect,
    Stratum,
    TestResult,
    compare_proportions,
    mantel_haenszel,
    newcombe_difference,
    relative_risk,
)

ACCEPTED = (SupportStatus.ACCEPTED, SupportStatus.ARRANGED)
CRUDE_LABEL = "All (crude, not stratified)"
STRATIFIED_LABEL = "All, stratified by IMD quintile (Mantel–Haenszel)"


@dataclass
class ArmComparison:
    """Intervention against control in one group of appointments (all of them, or one quintile)."""

    label: str
    intervention: RateRow
    control: RateRow
    difference: Difference | None = field(init=False)
    relative_risk: Ratio | None = field(init=False)
    test: TestResult | None = field(init=False)

    def __post_init__(self) -> None:
        i, c = self.intervention, self.control
        self.difference = newcombe_difference(i.dnas, i.appointments, c.dnas, c.appointments)
        self.relative_risk = relative_risk(i.dnas, i.appointments, c.dnas, c.appointments)
        self.test = compare_proportions(i.dnas, i.appointments, c.dnas, c.appointments)

    @property
    def dnas_avoided(self) -> float | None:
        return None if self.difference is None else -self.difference.estimate * self.intervention.appointments

    def as_dict(self) -> dict[str, Any]:
        """Every figure as it is; what an audience may see is reports.disclosure's decision."""
        out: dict[str, Any] = {
            "group": self.label,
            "intervention": self.intervention.as_dict(),
            "control": self.control.as_dict(),
            "suppressed": False,
        }
        if self.difference is None:
            return {**out, "risk_difference": None, "rd_ci_low": None, "rd_ci_high": None, "relative_risk": None,
                    "rr_ci_low": None, "rr_ci_high": None, "p_value": None, "test": None,
                    "dnas_avoided": None}  # fmt: skip
        rr = self.relative_risk
        return {
            **out,
            "risk_difference": self.difference.estimate,
            "rd_ci_low": self.difference.low,
            "rd_ci_high": self.difference.high,
            "relative_risk": rr.estimate if rr else None,
            "rr_ci_low": rr.low if rr else None,
            "rr_ci_high": rr.high if rr else None,
            "p_value": self.test.p_value if self.test else None,
            "test": self.test.test if self.test else None,
            "dnas_avoided": self.dnas_avoided,
        }


@dataclass
class StratifiedComparison:
    """The pilot's effect: intervention against control within each randomisation stratum, pooled."""

    crude: ArmComparison  # the arms' totals, for the counts shown beside the effect
    effect: StratifiedEffect

    @property
    def dnas_avoided(self) -> float | None:
        rd = self.effect.risk_difference
        return None if rd is None else -rd.estimate * self.crude.intervention.appointments

    def as_dict(self) -> dict[str, Any]:
        e = self.effect
        rd, rr, cmh, q, bd = e.risk_difference, e.relative_risk, e.cmh, e.heterogeneity, e.breslow_day
        out: dict[str, Any] = {
            "group": STRATIFIED_LABEL,
            "intervention": self.crude.intervention.as_dict(),
            "control": self.crude.control.as_dict(),
            "suppressed": False,
            "strata": [s.label for s in e.strata],
            "not_estimable": list(e.not_estimable),
        }
        return {
            **out,
            "risk_difference": rd.estimate if rd else None,
            "rd_ci_low": rd.low if rd else None,
            "rd_ci_high": rd.high if rd else None,
            "relative_risk": rr.estimate if rr else None,
            "rr_ci_low": rr.low if rr else None,
            "rr_ci_high": rr.high if rr else None,
            "test": "cochran_mantel_haenszel" if cmh else None,
            "cmh_statistic": cmh.statistic if cmh else None,
            "p_value": cmh.p_value if cmh else None,
            "heterogeneity_q": q.statistic if q else None,
            "heterogeneity_df": q.df if q else None,
            "heterogeneity_p": q.p_value if q else None,
            "heterogeneity_i_squared": q.i_squared if q else None,
            "breslow_day_statistic": bd.statistic if bd else None,
            "breslow_day_p": bd.p_value if bd else None,
            "dnas_avoided": self.dnas_avoided,
        }


@dataclass(frozen=True)
class SupportRow:
    support_type: str
    offered: int
    accepted: int
    arranged: int
    accepted_outcome: RateRow  # DNA rate among appointments whose patient accepted this support

    def as_dict(self) -> dict[str, Any]:
        outcome = self.accepted_outcome.as_dict()
        return {
            "support_type": self.support_type,
            "label": SupportType(self.support_type).label if self.support_type in SupportType.values else "",
            "offered": self.offered,
            "accepted": self.accepted,
            "arranged": self.arranged,
            "accepted_appointments": outcome["appointments"],
            "accepted_dnas": outcome["dnas"],
            "accepted_dna_rate": outcome["dna_rate"],
        }


@dataclass
class PilotEvaluation:
    pilot: Pilot
    overall: ArmComparison
    by_quintile: list[ArmComparison]
    stratified: StratifiedComparison
    allocated_intervention: int
    reached: int
    calls: int
    support: list[SupportRow]
    cost_per_dna: float
    minutes_per_call: float

    @property
    def reach_rate(self) -> float | None:
        return self.reached / self.allocated_intervention if self.allocated_intervention else None

    @property
    def handler_hours(self) -> float:
        return self.calls * self.minutes_per_call / 60

    @property
    def calls_per_dna_avoided(self) -> float | None:
        avoided = self.stratified.dnas_avoided
        return self.calls / avoided if avoided and avoided > 0 else None

    def as_dict(self) -> dict[str, Any]:
        """Every figure as it is; what an audience may see is reports.disclosure's decision."""
        avoided = self.stratified.dnas_avoided
        hours = self.handler_hours
        return {
            **arms_as_dict(self.pilot, self.overall, self.by_quintile, self.stratified),
            "allocated_intervention": self.allocated_intervention,
            "reached": self.reached,
            "reach_rate": self.reach_rate,
            "calls": self.calls,
            "handler_hours": hours,
            "calls_per_dna_avoided": self.calls_per_dna_avoided,
            "dnas_avoided": avoided,
            "cost_per_dna": self.cost_per_dna,
            "money_saved": None if avoided is None else avoided * self.cost_per_dna,
            "minutes_per_call": self.minutes_per_call,
            "dnas_avoided_per_handler_hour": None if avoided is None or not hours else avoided / hours,
            "money_saved_per_handler_hour": None
            if avoided is None or not hours
            else avoided * self.cost_per_dna / hours,
            "support": [row.as_dict() for row in self.support],
        }


def _arm_counts(pilot: Pilot) -> dict[tuple[str, int], tuple[int, int]]:
    rows = (
        Allocation.objects.filter(pilot=pilot, appointment__attendance_code__in=HAPPENED_CODES)
        .values("arm", "stratum")
        .annotate(n=Count("id"), dnas=dna_count("appointment__"))
        .order_by()
    )
    return {(row["arm"], row["stratum"]): (row["n"], int(row["dnas"] or 0)) for row in rows}


def _comparison(
    label: str, counts: dict[tuple[str, int], tuple[int, int]], strata: set[int], stratum: int | None = None
) -> ArmComparison:
    """The arms over `strata`; one stratum's rows are keyed by it (reports.disclosure's cells)."""

    def arm_row(arm: str) -> RateRow:
        n = sum(counts.get((arm, s), (0, 0))[0] for s in strata)
        dnas = sum(counts.get((arm, s), (0, 0))[1] for s in strata)
        groups = {"arm": arm} if stratum is None else {"arm": arm, "stratum": stratum}
        return RateRow(groups=groups, appointments=n, dnas=dnas)

    return ArmComparison(label, arm_row(Arm.INTERVENTION), arm_row(Arm.CONTROL))


def _intervention_attempts(pilot: Pilot):
    """Call attempts on tasks for this pilot's intervention appointments (the one that put them on
    the list, or any the call covered)."""
    in_arm = {"allocation__pilot": pilot, "allocation__arm": Arm.INTERVENTION}
    return CallAttempt.objects.filter(
        Q(**{f"task__appointment__{k}": v for k, v in in_arm.items()})
        | Q(**{f"task__appointments__{k}": v for k, v in in_arm.items()})
    ).distinct()


def _reached(pilot: Pilot) -> int:
    reached_attempts = CallAttempt.objects.filter(result=CallResult.REACHED).filter(
        Q(task__appointment=OuterRef("appointment")) | Q(task__appointments=OuterRef("appointment"))
    )
    return Allocation.objects.filter(pilot=pilot, arm=Arm.INTERVENTION).filter(Exists(reached_attempts)).count()


def support_by_type(pilot: Pilot) -> list[SupportRow]:
    accepted = Q(status__in=ACCEPTED)
    happened = Q(appointment__attendance_code__in=HAPPENED_CODES)
    rows = (
        SupportOffer.objects.filter(appointment__allocation__pilot=pilot)
        .values("support_type")
        .annotate(
            offered=Count("id"),
            accepted=Count("id", filter=accepted),
            arranged=Count("id", filter=Q(status=SupportStatus.ARRANGED)),
            accepted_n=Count("appointment", filter=accepted & happened, distinct=True),
            accepted_dnas=Count(
                "appointment", filter=accepted & Q(appointment__attendance_code__in=DNA_CODES), distinct=True
            ),
        )
        .order_by("support_type")
    )
    return [
        SupportRow(
            support_type=row["support_type"],
            offered=row["offered"],
            accepted=row["accepted"],
            arranged=row["arranged"],
            accepted_outcome=RateRow(
                groups={"support_type": row["support_type"]},
                appointments=row["accepted_n"],
                dnas=row["accepted_dnas"],
            ),
        )
        for row in rows
    ]


def _stratum_label(stratum: int) -> str:
    return "IMD not known" if stratum == 0 else f"IMD quintile {stratum}"


def arm_comparisons(pilot: Pilot) -> tuple[ArmComparison, list[ArmComparison], StratifiedComparison]:
    """Intervention against control overall (crude), per IMD quintile (and "IMD not known" if any) and
    stratified by them (the pilot's effect): what the dashboard and the arms table show, from one query."""
    counts = _arm_counts(pilot)
    by_quintile = [_comparison(_stratum_label(q), counts, {q}, stratum=q) for q in range(1, 6)]
    if any(stratum == 0 for _, stratum in counts):
        by_quintile.append(_comparison(_stratum_label(0), counts, {0}, stratum=0))
    strata = sorted({stratum for _, stratum in counts})
    crude = _comparison(CRUDE_LABEL, counts, set(strata))
    tables = []
    for stratum in strata:
        n1, dnas1 = counts.get((Arm.INTERVENTION, stratum), (0, 0))
        n2, dnas2 = counts.get((Arm.CONTROL, stratum), (0, 0))
        tables.append(Stratum(dnas1, n1, dnas2, n2, _stratum_label(stratum)))
    return crude, by_quintile, StratifiedComparison(crude, mantel_haenszel(tables))


def arms_as_dict(
    pilot: Pilot,
    overall: ArmComparison,
    by_quintile: list[ArmComparison],
    stratified: StratifiedComparison,
) -> dict[str, Any]:
    """The pilot and its arm comparisons, every figure as it is (reports.disclosure cuts them)."""
    return {
        "pilot": {
            "id": pilot.pk,
            "name": pilot.name,
            "starts_on": pilot.starts_on.isoformat(),
            "ends_on": pilot.ends_on.isoformat(),
        },
        "stratified": stratified.as_dict(),
        "overall": overall.as_dict(),
        "by_imd_quintile": [row.as_dict() for row in by_quintile],
    }


def evaluate_pilot(
    pilot: Pilot, *, cost_per_dna: float | None = None, minutes_per_call: float | None = None
) -> PilotEvaluation:
    overall, by_quintile, stratified = arm_comparisons(pilot)
    return PilotEvaluation(
        pilot=pilot,
        overall=overall,
        by_quintile=by_quintile,
        stratified=stratified,
        allocated_intervention=Allocation.objects.filter(pilot=pilot, arm=Arm.INTERVENTION).count(),
        reached=_reached(pilot),
        calls=_intervention_attempts(pilot).count(),
        support=support_by_type(pilot),
        cost_per_dna=float(settings.ATTEND_COST_PER_DNA if cost_per_dna is None else cost_per_dna),
        minutes_per_call=float(settings.ATTEND_MINUTES_PER_CALL if minutes_per_call is None else minutes_per_call),
    )
