"""The complier average causal effect: what being reached by a call did, beside what offering one did.

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

from reports.stats import Z95


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
