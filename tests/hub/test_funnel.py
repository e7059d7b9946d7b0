"""Funnel plot limits, Spiegelhalter's way: exact binomial with interpolation for a rate, normal for the gap."""

import math

import pytest
from scipy import stats

from hub.funnel import binomial_limit, gap_funnel, rate_funnel


def test_the_binomial_limits_approach_the_normal_ones_for_a_large_volume():
    target, n = 0.08, 50_000
    se = math.sqrt(target * (1 - target) / n)
    assert binomial_limit(target, n, 0.975) == pytest.approx(target + 1.959964 * se, abs=2e-5)
    assert binomial_limit(target, n, 0.001) == pytest.approx(target - 3.090232 * se, abs=3e-5)


def test_the_interpolated_limit_lies_between_the_binomial_quantile_and_the_count_below_it():
    # n = 100, θ0 = 0.1: the 97.5% quantile of Binomial(100, 0.1) is 16 (cdf 0.9794; at 15, 0.9601).
    r = stats.binom.ppf(0.975, 100, 0.1)
    assert r == 16
    at, below = stats.binom.cdf(16, 100, 0.1), stats.binom.cdf(15, 100, 0.1)
    expected = (16 - (at - 0.975) / (at - below)) / 100
    assert binomial_limit(0.1, 100, 0.975) == pytest.approx(expected)
    assert 0.15 < binomial_limit(0.1, 100, 0.975) < 0.16


def test_a_trust_far_above_the_mean_is_beyond_the_998_limit_and_an_average_one_within():
    funnel = rate_funnel([("Average", 800, 10_000, True), ("High", 1_300, 10_000, True), ("Low", 790, 10_000, True)])
    judgements = {p.label: p.judgement for p in funnel.points}
    assert funnel.target == pytest.approx(2890 / 30_000)
    assert judgements["High"] == "above the upper 99.8% limit"
    assert judgements["Average"].startswith("below") or judgements["Average"] == "within the 95% limits"
    assert all(low < high for _, low, high in funnel.curves["95%"])


def test_the_gap_limits_use_the_collaborative_gap_and_a_trust_with_its_mix_has_its_own_volume():
    # Two trusts with the same quintile 1 : 5 mix (1:1): their effective volume is n1 + n5.
    funnel = gap_funnel([("A", (150, 1000), (50, 1000), True), ("B", (300, 2000), (120, 2000), True)])
    assert funnel.target == pytest.approx(450 / 3000 - 170 / 3000)
    volumes = {p.label: p.volume for p in funnel.points}
    assert volumes == pytest.approx({"A": 2000, "B": 4000})
    p1, p5 = 450 / 3000, 170 / 3000
    se_a = math.sqrt(p1 * (1 - p1) / 1000 + p5 * (1 - p5) / 1000)
    a = next(p for p in funnel.points if p.label == "A")
    assert a.limits["95%"] == pytest.approx((funnel.target - 1.959964 * se_a, funnel.target + 1.959964 * se_a))


def test_no_funnel_without_appointments():
    assert rate_funnel([("Empty", 0, 0, True)]) is None
    assert gap_funnel([("No q5", (10, 100), (0, 0), True)]) is None
