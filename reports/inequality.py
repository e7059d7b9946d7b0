"""Did the pilot narrow the gap? The change in the quintile 1 − quintile 5 gap between the arms, and
the slope and relative index of inequality over deciles per arm, for the whole pilot and by month.

- Gap change: (Q1 − Q5) in the intervention arm − (Q1 − Q5) in control, a difference in differences
  (reports.stats.difference_in_differences: Wald interval from the four proportions' variances),
  quintiles as the randomisation stratified them (the allocation's stratum). Negative: the pilot
  narrowed the gap. Each arm's own gap is shown beside it with Newcombe's interval.
- SII and RII: PHE's method over IMD deciles of the patients (below), per arm.
- Over time: the same SII and RII per arm for each calendar month of appointment start.

Counts are aggregated in the database. Director views get primary suppression (config.disclosure):
a figure built on a cell with fewer than 5 DNAs or attendances is not shown.

## The slope and relative index of inequality of a rate across deprivation deciles, PHE's way

Reference: Public Health England, "Technical guide: confidence intervals for the slope index of
inequality" and its implementation, PHEindicatormethods::phe_sii (value_type = 2, proportions),
after Low A & Low A, "Measuring the gap: quantifying and comparing local health inequalities",
J Public Health 2004;26:388–395.

- Each decile, ordered from the most deprived (1) to the least (10), gets a relative rank: the
  midpoint of its share of the appointments in the cumulative distribution (a decile holding the
  first 12% ranks 0.06).
- The DNA rate y of each decile is regressed on its rank b, weighted by its share a of the
  appointments (PHE fits √a·y = β0·√a + β1·b√a, which is weighted least squares with weights a).
- PHE's SII is β1, the fitted rate at the least deprived end minus the most deprived end. Attend
  reports it the other way round, in the sense of the gap (quintile 1 − quintile 5): SII = −β1, the
  modelled rate at the most deprived end minus at the least, PHE's multiplier −1. The RII is then
  PHE's RII inverted, as phe_sii does for a negative multiplier: the modelled rate at the most
  deprived end ÷ at the least, β0 ÷ (β0 + β1).
- 95% interval by PHE's simulation: each decile's rate is drawn 100,000 times from a normal
  distribution on the logit scale, centred on its logit with the standard error implied by its
  Wilson interval, (logit(upper) − logit(lower)) / (2 × 1.96); the regression is refitted on every
  draw and the 2.5th and 97.5th percentiles (positions round(0.025 R) and round(0.975 R) of the
  sorted draws) are the limits. The generator is seeded, so a page shows the same interval twice.

PHE's own rules about what cannot be estimated are kept: every decile must have appointments
(fewer than five groups is refused, as phe_sii does), and a decile with no DNAs (or only DNAs)
has no logit, so the interval cannot be simulated (the point estimate is still given).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncMonth

from appointments.models import DNA_CODES, HAPPENED_CODES
from config.disclosure import rate_is_disclosive
from pilots.models import Allocation, Arm, Pilot
from reports.stats import Z95, Difference, difference_in_differences, newcombe_difference, wilson_interval

REPETITIONS = 100_000
MIN_GROUPS = 5


@dataclass(frozen=True)
class InequalityIndex:
    """SII (rate at the most deprived end − least, as a proportion) and RII (their ratio), with 95%
    intervals; None where not estimable, with the reason in words."""

    sii: float | None
    sii_low: float | None
    sii_high: float | None
    rii: float | None
    rii_low: float | None
    rii_high: float | None
    groups: int
    not_estimable: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "sii": self.sii, "sii_ci_low": self.sii_low, "sii_ci_high": self.sii_high,
            "rii": self.rii, "rii_ci_low": self.rii_low, "rii_ci_high": self.rii_high,
            "groups": self.groups, "not_estimable": list(self.not_estimable),
        }  # fmt: skip


def relative_ranks(totals: Sequence[int]) -> np.ndarray:
    """Midpoint of each group's share in the cumulative distribution, in the order given."""
    share = np.asarray(totals, dtype=float) / float(sum(totals))
    return np.cumsum(share) - share / 2


def _fit_matrix(totals: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(MᵀM)⁻¹Mᵀ for M = [√a, b√a], and √a: the coefficients are this times √a·y."""
    share = np.asarray(totals, dtype=float) / float(sum(totals))
    sqrt_a = np.sqrt(share)
    m = np.column_stack([sqrt_a, relative_ranks(totals) * sqrt_a])
    return np.linalg.solve(m.T @ m, m.T), sqrt_a


def _rii(intercept: np.ndarray | float, slope: np.ndarray | float) -> np.ndarray | float:
    return intercept / (intercept + slope)


def slope_index_of_inequality(
    groups: Sequence[tuple[int, int]], *, repetitions: int = REPETITIONS, seed: int = 2004, z: float = Z95
) -> InequalityIndex:
    """SII and RII of the DNA rate over `groups` = [(DNAs, appointments)], most deprived first."""
    n = len(groups)
    if n < MIN_GROUPS:
        return InequalityIndex(None, None, None, None, None, None, n, (
            f"The slope index needs at least {MIN_GROUPS} deprivation groups with appointments; {n} given.",
        ))  # fmt: skip
    empty = [i + 1 for i, (_, total) in enumerate(groups) if total <= 0]
    if empty:
        listed = ", ".join(str(i) for i in empty)
        return InequalityIndex(None, None, None, None, None, None, n, (
            f"Decile {listed} has no appointments, so the slope index of inequality cannot be estimated.",
        ))  # fmt: skip
    totals = [total for _, total in groups]
    rates = np.array([events / total for events, total in groups])
    fit, sqrt_a = _fit_matrix(totals)
    intercept, slope = fit @ (sqrt_a * rates)
    sii = -float(slope)
    reasons: list[str] = []
    rii = float(_rii(intercept, slope)) if intercept > 0 and intercept + slope > 0 else None
    if rii is None:
        reasons.append("The fitted rate at one end of the scale is not above zero, so there is no relative index.")
    degenerate = [i + 1 for i, (events, total) in enumerate(groups) if events in (0, total)]
    if degenerate:
        listed = ", ".join(str(i) for i in degenerate)
        reasons.append(
            f"Decile {listed} has no DNAs (or only DNAs), so its rate has no logit and the interval cannot be "
            "simulated."
        )
        return InequalityIndex(sii, None, None, rii, None, None, n, tuple(reasons))
    draws = _simulated_rates(groups, repetitions=repetitions, seed=seed, z=z)
    coefficients = fit @ (sqrt_a[:, None] * draws)
    low_pos, high_pos = round(repetitions * (1 - 0.975)), round(repetitions * 0.975)  # 1-based, as phe_sii
    sii_draws = np.sort(-coefficients[1])
    sii_low, sii_high = float(sii_draws[low_pos - 1]), float(sii_draws[high_pos - 1])
    rii_low = rii_high = None
    if rii is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            rii_draws = np.sort(_rii(coefficients[0], coefficients[1]))
        rii_low, rii_high = float(rii_draws[low_pos - 1]), float(rii_draws[high_pos - 1])
        if not (math.isfinite(rii_low) and math.isfinite(rii_high)):
            rii_low = rii_high = None
    return InequalityIndex(sii, sii_low, sii_high, rii, rii_low, rii_high, n, tuple(reasons))


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _simulated_rates(groups: Sequence[tuple[int, int]], *, repetitions: int, seed: int, z: float) -> np.ndarray:
    """groups × repetitions rates drawn on the logit scale around each group's own, PHE's way."""
    centres, errors = [], []
    for events, total in groups:
        interval = wilson_interval(events, total)
        centres.append(_logit(events / total))
        errors.append((_logit(interval.high) - _logit(interval.low)) / (2 * z))
    rng = np.random.default_rng(seed)
    logits = rng.normal(np.array(centres)[:, None], np.array(errors)[:, None], size=(len(groups), repetitions))
    return 1 / (1 + np.exp(-logits))


ARMS = (Arm.INTERVENTION, Arm.CONTROL)
DECILES = range(1, 11)
SUPPRESSED = "Suppressed: built on a count under 5."
Counts = dict[Any, tuple[int, int]]  # key -> (appointments, DNAs)


def _cell(counts: Counts, key: Any) -> tuple[int, int]:
    """(DNAs, appointments), the order reports.stats takes."""
    n, dnas = counts.get(key, (0, 0))
    return dnas, n


def _disclosive(cells: list[tuple[int, int]]) -> bool:
    return any(rate_is_disclosive(dnas, n) for dnas, n in cells)


def _difference(d: Difference | None) -> dict[str, Any]:
    return {"estimate": d.estimate if d else None, "ci_low": d.low if d else None, "ci_high": d.high if d else None}


@dataclass
class ArmInequality:
    deciles: list[tuple[int, int]]  # (DNAs, appointments), decile 1 first
    index: InequalityIndex

    def as_dict(self, *, suppress: bool = False) -> dict[str, Any]:
        if suppress and _disclosive(self.deciles):
            return {"sii": None, "sii_ci_low": None, "sii_ci_high": None, "rii": None, "rii_ci_low": None,
                    "rii_ci_high": None, "groups": len(self.deciles), "not_estimable": [SUPPRESSED],
                    "suppressed": True}  # fmt: skip
        return {**self.index.as_dict(), "suppressed": False}


@dataclass
class PilotInequality:
    strata: Counts  # (arm, stratum) -> counts
    overall: dict[str, ArmInequality]
    by_month: list[tuple[date, dict[str, ArmInequality]]]

    def as_dict(self, *, suppress: bool = False) -> dict[str, Any]:
        gap_cells = {arm: (_cell(self.strata, (arm, 1)), _cell(self.strata, (arm, 5))) for arm in ARMS}
        hide = suppress and _disclosive([cell for cells in gap_cells.values() for cell in cells])
        did = difference_in_differences(*gap_cells[Arm.INTERVENTION], *gap_cells[Arm.CONTROL])
        statements = []
        if hide:
            statements.append(SUPPRESSED)
        elif did is None:
            statements.append("Quintile 1 or quintile 5 has no appointments that happened in an arm, so the change "
                              "in the gap cannot be estimated.")  # fmt: skip
        gaps = {arm: newcombe_difference(*q1, *q5) for arm, (q1, q5) in gap_cells.items()}
        return {
            "gap_by_arm": {arm: _difference(None if hide else gap) for arm, gap in gaps.items()},
            "gap_change": _difference(None if hide else did),
            "statements": statements,
            "sii": {arm: row.as_dict(suppress=suppress) for arm, row in self.overall.items()},
            "sii_by_month": [
                {"month": month.isoformat()[:7], **{arm: row.as_dict(suppress=suppress) for arm, row in arms.items()}}
                for month, arms in self.by_month
            ],
        }


def _arm_inequality(counts: Counts, arm: str, month: date | None = None) -> ArmInequality:
    deciles = [_cell(counts, (arm, decile, month)) for decile in DECILES]
    return ArmInequality(deciles, slope_index_of_inequality(deciles))


def pilot_inequality(pilot: Pilot) -> PilotInequality:
    rows = (
        Allocation.objects.filter(pilot=pilot, appointment__attendance_code__in=HAPPENED_CODES)
        .values("arm", "stratum", "appointment__patient__imd_decile")
        .annotate(
            month=TruncMonth("appointment__starts_at", output_field=DateField()),
            n=Count("id"),
            dnas=Count("id", filter=Q(appointment__attendance_code__in=DNA_CODES)),
        )
        .values_list("arm", "stratum", "appointment__patient__imd_decile", "month", "n", "dnas")
        .order_by()
    )
    strata: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    deciles: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    months: set[date] = set()
    for arm, stratum, decile, month, n, dnas in rows:
        for counts, key in ((strata, (arm, stratum)), (deciles, (arm, decile, None)), (deciles, (arm, decile, month))):
            counts[key][0] += n
            counts[key][1] += dnas
        months.add(month)
    frozen_deciles = {key: (n, dnas) for key, (n, dnas) in deciles.items()}
    return PilotInequality(
        strata={key: (n, dnas) for key, (n, dnas) in strata.items()},
        overall={arm: _arm_inequality(frozen_deciles, arm) for arm in ARMS},
        by_month=[
            (month, {arm: _arm_inequality(frozen_deciles, arm, month) for arm in ARMS}) for month in sorted(months)
        ],
    )
