"""DeLong's test, which the model card uses to say whether the model ranks better than a baseline."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from risk.metrics import auc_difference


def _scores(seed: int, n: int = 4000):
    """Outcomes, and two noisy readings of the same true risk (the first less noisy)."""
    rng = np.random.default_rng(seed)
    signal = rng.normal(size=n)
    y = rng.random(n) < 1 / (1 + np.exp(-(signal - 2)))
    return y, signal + rng.normal(scale=0.5, size=n), signal + rng.normal(scale=1.5, size=n)


def test_the_difference_is_the_difference_of_the_two_aucs():
    y, better, worse = _scores(1)
    result = auc_difference(y, better, worse)
    assert result["difference"] == pytest.approx(roc_auc_score(y, better) - roc_auc_score(y, worse), abs=1e-12)


def test_the_interval_is_as_wide_as_a_paired_bootstrap_finds():
    y, better, worse = _scores(2)
    result = auc_difference(y, better, worse)
    rng = np.random.default_rng(3)
    resampled = []
    for _ in range(300):
        rows = rng.integers(0, len(y), len(y))
        resampled.append(roc_auc_score(y[rows], better[rows]) - roc_auc_score(y[rows], worse[rows]))
    bootstrap_se = np.std(resampled)
    delong_se = (result["ci_high"] - result["ci_low"]) / (2 * 1.959964)
    assert delong_se == pytest.approx(bootstrap_se, rel=0.15)


def test_a_clearly_better_ranking_has_an_interval_above_zero():
    y, better, worse = _scores(4)
    result = auc_difference(y, better, worse)
    assert 0 < result["ci_low"] < result["difference"] < result["ci_high"]
    assert result["p_value"] < 0.001


def test_two_equally_good_rankings_are_not_called_different():
    rng = np.random.default_rng(5)
    signal = rng.normal(size=4000)
    y = rng.random(4000) < 1 / (1 + np.exp(-(signal - 2)))
    first, second = (signal + rng.normal(scale=0.5, size=4000) for _ in range(2))
    result = auc_difference(y, first, second)
    assert result["ci_low"] < 0 < result["ci_high"]
    assert result["p_value"] > 0.05


def test_identical_rankings_differ_by_nothing():
    y, better, _ = _scores(6)
    result = auc_difference(y, better, better * 2 + 1)
    assert result == {"difference": 0.0, "ci_low": 0.0, "ci_high": 0.0, "p_value": 1.0}


def test_one_outcome_only_is_refused():
    with pytest.raises(ValueError, match="both outcomes"):
        auc_difference(np.zeros(10), np.arange(10.0), np.arange(10.0))


def test_an_aucs_own_interval_is_as_wide_as_a_bootstrap_finds_and_holds_the_auc():
    from risk.metrics import auc_interval

    y, better, _ = _scores(4)
    auc, low, high = auc_interval(y, better)
    assert auc == pytest.approx(roc_auc_score(y, better), abs=1e-12)
    rng = np.random.default_rng(5)
    resampled = [roc_auc_score(y[rows], better[rows]) for rows in (rng.integers(0, len(y), len(y)) for _ in range(300))]
    assert (high - low) / 2 == pytest.approx(1.96 * np.std(resampled), rel=0.2)
    assert low < auc < high
