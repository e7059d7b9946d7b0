"""The pooled pilot effect is DerSimonian and Laird's, checked against statsmodels' own implementation
and against the method's formulae computed by hand here."""

import math

import numpy as np
import pytest
from statsmodels.stats.meta_analysis import combine_effects

from hub.meta_analysis import dersimonian_laird

EFFECTS = [-0.040, -0.012, -0.031, 0.004]
VARIANCES = [0.00009, 0.00012, 0.00020, 0.00015]


def test_the_pooled_estimate_matches_statsmodels_combine_effects():
    ours = dersimonian_laird(EFFECTS, VARIANCES)
    theirs = combine_effects(np.array(EFFECTS), np.array(VARIANCES), method_re="chi2")
    assert ours.estimate == pytest.approx(theirs.mean_effect_re)
    assert ours.se == pytest.approx(theirs.sd_eff_w_re)
    assert ours.tau_squared == pytest.approx(theirs.tau2)
    assert ours.q == pytest.approx(theirs.q)
    assert ours.i_squared == pytest.approx(theirs.i2)
    assert ours.fixed_estimate == pytest.approx(theirs.mean_effect_fe)
    low, high = theirs.conf_int(alpha=0.05)[1]  # (fixed, random, …): the random-effects interval
    assert (ours.low, ours.high) == pytest.approx((low, high), abs=1e-6)


def test_the_pooled_estimate_matches_the_method_worked_by_hand():
    w = [1 / v for v in VARIANCES]
    fixed = sum(wi * y for wi, y in zip(w, EFFECTS, strict=True)) / sum(w)
    q = sum(wi * (y - fixed) ** 2 for wi, y in zip(w, EFFECTS, strict=True))
    tau2 = max(0.0, (q - 3) / (sum(w) - sum(wi**2 for wi in w) / sum(w)))
    w_star = [1 / (v + tau2) for v in VARIANCES]
    pooled = sum(wi * y for wi, y in zip(w_star, EFFECTS, strict=True)) / sum(w_star)
    ours = dersimonian_laird(EFFECTS, VARIANCES)
    assert tau2 > 0  # these effects disagree more than chance: the random effects matter
    assert ours.estimate == pytest.approx(pooled)
    assert ours.se == pytest.approx(1 / math.sqrt(sum(w_star)))
    assert ours.i_squared == pytest.approx((q - 3) / q)


def test_effects_that_agree_have_no_between_trust_variance_and_pool_as_fixed_effects():
    ours = dersimonian_laird([-0.02, -0.021, -0.019], [0.0001, 0.0001, 0.0001])
    assert ours.tau_squared == 0 and ours.i_squared == 0
    assert ours.estimate == pytest.approx(ours.fixed_estimate) == pytest.approx(-0.02)


def test_one_trust_alone_is_its_own_estimate_with_no_heterogeneity():
    ours = dersimonian_laird([-0.03], [0.0001])
    assert ours.estimate == -0.03 and ours.df == 0 and ours.i_squared is None and ours.q_p_value is None
