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


# --- Stratified comparisons (the pilot's arms within its randomisation strata) -------------------


@dataclass(frozen=True)
class Stratum:
    """One stratum's 2×2 table: events and totals in the first group (intervention) and the second (control)."""

    events1: int
    total1: int
    events2: int
    total2: int
    label: str = ""

    @property
    def total(self) -> int:
        return self.total1 + self.total2

    @property
    def events(self) -> int:
        return self.events1 + self.events2

    @property
    def has_both_groups(self) -> bool:
        return self.total1 > 0 and self.total2 > 0

    @property
    def difference(self) -> float:
        return self.events1 / self.total1 - self.events2 / self.total2


@dataclass(frozen=True)
class ChiSquareTest:
    statistic: float
    df: int
    p_value: float
    i_squared: float | None = None  # for a heterogeneity test: the share of variation beyond chance


@dataclass(frozen=True)
class StratifiedEffect:
    """Mantel–Haenszel estimates across strata, each None when it cannot be estimated, with the reason in words."""

    strata: tuple[Stratum, ...]  # the strata with both groups, the only ones that carry information
    risk_difference: Difference | None
    relative_risk: Ratio | None
    cmh: ChiSquareTest | None
    heterogeneity: ChiSquareTest | None  # Cochran's Q on the risk-difference scale
    breslow_day: ChiSquareTest | None  # equal odds ratios, with Tarone's correction
    not_estimable: tuple[str, ...]


def mantel_haenszel(strata: list[Stratum], *, z: float = Z95) -> StratifiedEffect:
    """Group 1 against group 2 within strata, pooled by Mantel and Haenszel's weights.

    - Risk difference: weights n1·n2/N (Greenland and Robins 1985) with Sato's variance (Sato 1989),
      consistent both for a few large strata and for many sparse ones.
    - Relative risk: Σ a1·n2/N ÷ Σ a2·n1/N (a = events, n = totals), with Greenland and Robins' (1985)
      variance of its log.
    - Cochran–Mantel–Haenszel chi-square (1 df, no continuity correction): is there any association
      within strata?
    - Heterogeneity: Cochran's Q of the stratum risk differences about their inverse-variance mean, with
      I² (Higgins and Thompson 2002); and the Breslow–Day test of equal odds ratios with Tarone's correction.
    A stratum lacking either group carries no information and is left out (so a pilot whose strata
    all lack an arm has no estimate); every estimate that cannot be made says why in `not_estimable`.
    """
    usable = tuple(s for s in strata if s.has_both_groups)
    if not usable:
        reason = "No stratum has appointments in both arms, so no stratified effect can be estimated."
        return StratifiedEffect(usable, None, None, None, None, None, (reason,))
    reasons: list[str] = []
    rd = _mh_risk_difference(usable, z, reasons)
    rr = _mh_relative_risk(usable, z, reasons)
    cmh = _cmh_test(usable, reasons)
    return StratifiedEffect(
        usable, rd, rr, cmh, _difference_heterogeneity(usable, reasons), _breslow_day(usable), tuple(reasons)
    )


def _mh_risk_difference(strata: tuple[Stratum, ...], z: float, reasons: list[str]) -> Difference | None:
    if all(s.events == 0 for s in strata) or all(s.events == s.total for s in strata):
        reasons.append("Every appointment in both arms had the same outcome, so the difference cannot be estimated.")
        return None
    weights = [s.total1 * s.total2 / s.total for s in strata]
    estimate = math.fsum(w * s.difference for w, s in zip(weights, strata, strict=True)) / math.fsum(weights)
    p_sum = math.fsum(
        (s.total1**2 * s.events2 - s.total2**2 * s.events1 + s.total1 * s.total2 * (s.total2 - s.total1) / 2)
        / s.total**2
        for s in strata
    )
    q_sum = math.fsum(
        (s.events1 * (s.total2 - s.events2) + s.events2 * (s.total1 - s.events1)) / (2 * s.total) for s in strata
    )
    variance = (estimate * p_sum + q_sum) / math.fsum(weights) ** 2
    half = z * math.sqrt(max(variance, 0.0))
    return Difference(estimate, estimate - half, estimate + half)


def _mh_relative_risk(strata: tuple[Stratum, ...], z: float, reasons: list[str]) -> Ratio | None:
    r = math.fsum(s.events1 * s.total2 / s.total for s in strata)
    s_ = math.fsum(s.events2 * s.total1 / s.total for s in strata)
    if s_ == 0:
        reasons.append("No DNAs in the control arm, so the relative risk cannot be estimated.")
        return None
    if r == 0:
        reasons.append("No DNAs in the intervention arm: the relative risk is 0, with no interval.")
        return Ratio(0.0, None, None)
    numerator = math.fsum(
        (s.total1 * s.total2 * s.events - s.events1 * s.events2 * s.total) / s.total**2 for s in strata
    )
    se = math.sqrt(numerator / (r * s_))
    estimate = r / s_
    return Ratio(estimate, math.exp(math.log(estimate) - z * se), math.exp(math.log(estimate) + z * se))


def _cmh_test(strata: tuple[Stratum, ...], reasons: list[str]) -> ChiSquareTest | None:
    observed = sum(s.events1 for s in strata)
    expected = math.fsum(s.total1 * s.events / s.total for s in strata)
    variance = math.fsum(
        s.total1 * s.total2 * s.events * (s.total - s.events) / (s.total**2 * (s.total - 1))
        for s in strata
        if s.total > 1
    )
    if variance <= 0:
        reasons.append("No stratum has both DNAs and attendances, so the Cochran–Mantel–Haenszel test cannot be run.")
        return None
    statistic = (observed - expected) ** 2 / variance
    return ChiSquareTest(statistic, 1, float(scipy_stats.chi2.sf(statistic, 1)))


def _difference_heterogeneity(strata: tuple[Stratum, ...], reasons: list[str]) -> ChiSquareTest | None:
    def variance(s: Stratum) -> float:
        p1, p2 = s.events1 / s.total1, s.events2 / s.total2
        return p1 * (1 - p1) / s.total1 + p2 * (1 - p2) / s.total2

    # A stratum with no variation in either arm (no DNAs, or only DNAs) has no variance to weigh it by.
    informative = [(s.difference, variance(s)) for s in strata if variance(s) > 0]
    if len(informative) < 2:
        reasons.append("Fewer than two strata have DNAs to compare, so heterogeneity across strata cannot be tested.")
        return None
    weights = [1 / v for _, v in informative]
    pooled = math.fsum(w * d for w, (d, _) in zip(weights, informative, strict=True)) / math.fsum(weights)
    q = math.fsum(w * (d - pooled) ** 2 for w, (d, _) in zip(weights, informative, strict=True))
    df = len(informative) - 1
    return ChiSquareTest(q, df, float(scipy_stats.chi2.sf(q, df)), max(0.0, (q - df) / q) if q > 0 else 0.0)


def _breslow_day(strata: tuple[Stratum, ...]) -> ChiSquareTest | None:
    # Only strata with both outcomes in both arms' margins vary; the odds ratio must be finite and positive.
    tables = [s for s in strata if 0 < s.events < s.total]
    ad = math.fsum(s.events1 * (s.total2 - s.events2) / s.total for s in tables)
    bc = math.fsum((s.total1 - s.events1) * s.events2 / s.total for s in tables)
    if len(tables) < 2 or ad == 0 or bc == 0:
        return None
    odds_ratio = ad / bc
    statistic, deviation, total_variance = 0.0, 0.0, 0.0
    for s in tables:
        fitted = _fitted_events(s, odds_ratio)
        cells = (fitted, s.total1 - fitted, s.events - fitted, s.total2 - s.events + fitted)
        cell_variance = 1 / math.fsum(1 / cell for cell in cells)
        statistic += (s.events1 - fitted) ** 2 / cell_variance
        deviation += s.events1 - fitted
        total_variance += cell_variance
    statistic -= deviation**2 / total_variance  # Tarone (1985)
    df = len(tables) - 1
    return ChiSquareTest(statistic, df, float(scipy_stats.chi2.sf(statistic, df)))


def _fitted_events(s: Stratum, odds_ratio: float) -> float:
    """Group 1's events that give this stratum's margins the common odds ratio (the quadratic's root in range)."""
    n1, n2, m = s.total1, s.total2, s.events
    low, high = max(0, m - n2), min(n1, m)
    # x(n2 − m + x) = OR (n1 − x)(m − x)  →  (1 − OR) x² + (n2 − m + OR (n1 + m)) x − OR n1 m = 0
    a, b, c = 1 - odds_ratio, n2 - m + odds_ratio * (n1 + m), -odds_ratio * n1 * m
    if abs(a) < 1e-12:
        return -c / b
    root = math.sqrt(b * b - 4 * a * c)
    for x in ((-b + root) / (2 * a), (-b - root) / (2 * a)):
        if low - 1e-9 <= x <= high + 1e-9:
            return x
    raise ArithmeticError("no fitted count within the margins")  # cannot happen for 0 < OR < ∞


# --- Did the pilot narrow the gap? And how many appointments would show it? ----------------------


def difference_in_differences(
    most1: tuple[int, int], least1: tuple[int, int], most2: tuple[int, int], least2: tuple[int, int], *, z: float = Z95
) -> Difference | None:
    """(p most deprived − p least deprived) in group 1 minus the same gap in group 2, each argument
    (events, total): for a pilot, (Q1 − Q5) in the intervention arm − (Q1 − Q5) in control.

    The four proportions are independent samples (randomised arms, disjoint quintiles), so the
    variance is the sum of their binomial variances p(1 − p)/n (a Wald interval: the interaction
    coefficient of a saturated linear probability model with robust, HC0, errors). None when any
    of the four groups is empty."""
    groups = (most1, least1, most2, least2)
    if any(total <= 0 for _, total in groups):
        return None
    p = [events / total for events, total in groups]
    estimate = (p[0] - p[1]) - (p[2] - p[3])
    half = z * math.sqrt(math.fsum(q * (1 - q) / total for q, (_, total) in zip(p, groups, strict=True)))
    return Difference(estimate, estimate - half, estimate + half)


@dataclass(frozen=True)
class SampleSize:
    intervention: int
    control: int

    @property
    def total(self) -> int:
        return self.intervention + self.control


def two_proportion_sample_size(
    control_rate: float,
    intervention_rate: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    control_per_intervention: float = 1.0,
) -> SampleSize | None:
    """Appointments each arm needs for a two-sided test of two proportions at `alpha` to detect
    `control_rate` against `intervention_rate` with `power` (Fleiss, Levin and Paik 2003, Statistical
    Methods for Rates and Proportions, eq. 4.14, without continuity correction; k control appointments
    per intervention one):

        n_int = [z_(1−α/2) √((1 + 1/k) p̄ q̄) + z_(1−β) √(p_int q_int + p_con q_con / k)]² / Δ²,  n_con = k n_int

    with p̄ = (p_int + k p_con)/(1 + k). 10% against 5%, 1:1, 5% two-sided, 80% power: 435 each.
    None when the rates are equal or outside (0, 1)."""
    rates = (control_rate, intervention_rate)
    if any(not 0 < p < 1 for p in rates) or control_rate == intervention_rate or control_per_intervention <= 0:
        return None
    k = control_per_intervention
    p1, p2 = intervention_rate, control_rate
    pooled = (p1 + k * p2) / (1 + k)
    z_alpha, z_beta = scipy_stats.norm.ppf(1 - alpha / 2), scipy_stats.norm.ppf(power)
    root = z_alpha * math.sqrt((1 + 1 / k) * pooled * (1 - pooled)) + z_beta * math.sqrt(
        p1 * (1 - p1) + p2 * (1 - p2) / k
    )
    n_intervention = math.ceil(root**2 / (p1 - p2) ** 2 - 1e-9)
    return SampleSize(n_intervention, math.ceil(k * n_intervention - 1e-9))
