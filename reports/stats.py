"""The statistics every report uses: intervals for rates and their differences, and tests.
(The small-number rule directors' views apply is config.disclosure.)

Plain functions of counts, so they can be checked against published worked examples
and statsmodels without a database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as scipy_stats

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    low: float
    high: float


def wilson_interval(events: int, total: int, *, z: float = Z95) -> Interval | None:
    """Wilson score interval for a proportion: sound near 0 and 1, where the usual Wald one is not."""
    if total <= 0:
        return None
    p = events / total
    z2 = z * z
    denominator = 1 + z2 / total
    centre = (p + z2 / (2 * total)) / denominator
    half = z / denominator * math.sqrt(p * (1 - p) / total + z2 / (4 * total * total))
    return Interval(max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Difference:
    estimate: float
    low: float
    high: float


def newcombe_difference(events1: int, total1: int, events2: int, total2: int, *, z: float = Z95) -> Difference | None:
    """p1 − p2 with Newcombe's hybrid score interval (his method 10, 1998), from the two Wilson intervals."""
    first, second = wilson_interval(events1, total1, z=z), wilson_interval(events2, total2, z=z)
    if first is None or second is None:
        return None
    p1, p2 = events1 / total1, events2 / total2
    estimate = p1 - p2
    low = estimate - math.sqrt((p1 - first.low) ** 2 + (second.high - p2) ** 2)
    high = estimate + math.sqrt((first.high - p1) ** 2 + (p2 - second.low) ** 2)
    return Difference(estimate, low, high)


@dataclass(frozen=True)
class Ratio:
    estimate: float
    low: float | None
    high: float | None


def relative_risk(events1: int, total1: int, events2: int, total2: int, *, z: float = Z95) -> Ratio | None:
    """p1 ÷ p2 with the usual log-scale interval (Katz); no interval when either group has no events."""
    if total1 <= 0 or total2 <= 0 or events2 == 0:
        return None
    estimate = (events1 / total1) / (events2 / total2)
    if events1 == 0:
        return Ratio(estimate, None, None)
    se = math.sqrt(1 / events1 - 1 / total1 + 1 / events2 - 1 / total2)
    log_rr = math.log(estimate)
    return Ratio(estimate, math.exp(log_rr - z * se), math.exp(log_rr + z * se))


@dataclass(frozen=True)
class TestResult:
    test: str
    p_value: float


def compare_proportions(events1: int, total1: int, events2: int, total2: int) -> TestResult | None:
    """Pearson's chi-square on the 2×2 table, or Fisher's exact test when any expected count is under 5."""
    if total1 <= 0 or total2 <= 0:
        return None
    table = [[events1, total1 - events1], [events2, total2 - events2]]
    events, non_events, grand = events1 + events2, (total1 + total2) - (events1 + events2), total1 + total2
    if events == 0 or non_events == 0:
        return TestResult("none", 1.0)
    smallest_expected = min(total1, total2) * min(events, non_events) / grand
    if smallest_expected < 5:
        return TestResult("fisher", float(scipy_stats.fisher_exact(table).pvalue))
    result = scipy_stats.chi2_contingency(table, correction=False)
    return TestResult("chi_square", float(result.pvalue))
