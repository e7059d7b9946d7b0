"""Funnel plots: each trust's figure against its volume, with control limits around the collaborative's
figure, the standard way of comparing providers (Spiegelhalter DJ, "Funnel plots for comparing
institutional performance", Statistics in Medicine 2005;24:1185–1202).

- A DNA rate (a proportion): the target θ0 is the collaborative's rate (all members' DNAs ÷ all their
  appointments that happened). The limits for volume n are the exact binomial ones with his
  interpolation (his appendix A.1.1): r_p is the smallest r with P(R ≤ r) ≥ p for R ~ Binomial(n, θ0),
  α = (P(R ≤ r_p) − p) / (P(R ≤ r_p) − P(R ≤ r_p − 1)), and the limit is (r_p − α) / n; p = 0.025 and
  0.975 for the 95% limits (about 2 standard deviations), 0.001 and 0.999 for the 99.8% (about 3).
- The gap (a difference of two proportions, quintile 1 − quintile 5): the target is the
  collaborative's gap (p̄1 − p̄5, from all members' quintile 1 and 5 counts) and the limits are normal,
  target ± z·SE0 with SE0² = p̄1(1 − p̄1)/n1 + p̄5(1 − p̄5)/n5, the trust's own n1 and n5 under the
  collaborative's rates (his section 3.1: any measure, plotted against its precision). So that the
  horizontal axis still reads as appointments, a trust's volume is its precision scaled to the
  collaborative's mix: N = v̄ / SE0², v̄ = p̄1(1 − p̄1)/s + p̄5(1 − p̄5)/(1 − s), s the collaborative's
  share of quintile 1 among quintiles 1 and 5; a trust with that share has N = n1 + n5 exactly.
No allowance is made for over-dispersion (his section 3.3): with trusts' volumes in the tens of
thousands the limits are narrow, and a point outside them says the difference is beyond chance, not
that it matters; the page says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats as scipy_stats

# (name, lower probability, upper probability)
LIMITS = (("95%", 0.025, 0.975), ("99.8%", 0.001, 0.999))


def binomial_limit(target: float, n: int, probability: float) -> float:
    """Spiegelhalter's interpolated exact binomial limit: the `probability` quantile of R/n, R ~ Bin(n, target)."""
    if n <= 0:
        raise ValueError("A funnel limit needs a volume of at least one.")
    if target <= 0 or target >= 1:
        return float(target)
    r = float(scipy_stats.binom.ppf(probability, n, target))
    at, below = scipy_stats.binom.cdf(r, n, target), scipy_stats.binom.cdf(r - 1, n, target)
    alpha = (at - probability) / (at - below) if at > below else 0.0
    return max(0.0, min(1.0, (r - alpha) / n))


@dataclass(frozen=True)
class FunnelPoint:
    label: str
    volume: float
    value: float  # a proportion (or difference of proportions)
    limits: dict[str, tuple[float, float]]  # name → (lower, upper) at this point's volume
    complete: bool = True

    @property
    def judgement(self) -> str:
        """Where the point lies: "above the 99.8% limit", "above the 95% limit", "within the 95% limits", …"""
        for name in ("99.8%", "95%"):
            low, high = self.limits[name]
            if self.value > high:
                return f"above the upper {name} limit"
            if self.value < low:
                return f"below the lower {name} limit"
        return "within the 95% limits"


@dataclass(frozen=True)
class Funnel:
    target: float
    points: list[FunnelPoint]
    curves: dict[str, list[tuple[float, float, float]]]  # name → [(volume, lower, upper)] for drawing
    x_label: str
    y_label: str


def _volumes(points: Sequence[float]) -> list[float]:
    """Volumes to draw the limits at: a tenth of the smallest to beyond the largest, evenly on a log scale."""
    low, high = max(1.0, min(points) / 10), max(points) * 1.2
    steps = 60
    return [math.exp(math.log(low) + (math.log(high) - math.log(low)) * i / steps) for i in range(steps + 1)]


def rate_funnel(trusts: Sequence[tuple[str, int, int, bool]]) -> Funnel | None:
    """`trusts`: (label, DNAs, appointments that happened, complete). None when nothing has happened."""
    usable = [t for t in trusts if t[2] > 0]
    events, total = sum(t[1] for t in usable), sum(t[2] for t in usable)
    if not usable or total == 0:
        return None
    target = events / total

    def limits(n: float) -> dict[str, tuple[float, float]]:
        whole = max(1, round(n))
        return {name: (binomial_limit(target, whole, lo), binomial_limit(target, whole, hi)) for name, lo, hi in LIMITS}

    points = [FunnelPoint(label, n, d / n, limits(n), complete) for label, d, n, complete in usable]
    curves = {name: [] for name, _, _ in LIMITS}
    for n in _volumes([p.volume for p in points]):
        for name, (low, high) in limits(n).items():
            curves[name].append((n, low, high))
    return Funnel(target, points, curves, "Appointments that happened", "DNA rate")


def gap_funnel(trusts: Sequence[tuple[str, tuple[int, int], tuple[int, int], bool]]) -> Funnel | None:
    """`trusts`: (label, (quintile 1 DNAs, appointments), (quintile 5 DNAs, appointments), complete).
    None when the collaborative's quintile 1 or 5 has nothing to compare (or no variation)."""
    usable = [t for t in trusts if t[1][1] > 0 and t[2][1] > 0]
    n1, n5 = sum(t[1][1] for t in usable), sum(t[2][1] for t in usable)
    if not usable or n1 == 0 or n5 == 0:
        return None
    p1, p5 = sum(t[1][0] for t in usable) / n1, sum(t[2][0] for t in usable) / n5
    v1, v5 = p1 * (1 - p1), p5 * (1 - p5)
    if v1 + v5 == 0:
        return None
    share = n1 / (n1 + n5)
    mix = v1 / share + v5 / (1 - share)
    target = p1 - p5
    z = {name: float(scipy_stats.norm.ppf(hi)) for name, _, hi in LIMITS}

    def limits(volume: float) -> dict[str, tuple[float, float]]:
        se = math.sqrt(mix / volume)
        return {name: (target - z[name] * se, target + z[name] * se) for name, _, _ in LIMITS}

    points = []
    for label, (d1, t1), (d5, t5), complete in usable:
        volume = mix / (v1 / t1 + v5 / t5)
        points.append(FunnelPoint(label, volume, d1 / t1 - d5 / t5, limits(volume), complete))
    curves = {name: [] for name, _, _ in LIMITS}
    for volume in _volumes([p.volume for p in points]):
        for name, (low, high) in limits(volume).items():
            curves[name].append((volume, low, high))
    return Funnel(
        target,
        points,
        curves,
        "Appointments in quintiles 1 and 5 (at the collaborative's mix)",
        "Gap (quintile 1 − quintile 5)",
    )
