"""The slope and relative index of inequality of a rate across deprivation deciles, PHE's way.

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
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reports.stats import Z95, wilson_interval

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
