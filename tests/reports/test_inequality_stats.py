"""The statistics behind 'did the pilot narrow the gap' and 'why it worked', checked against
independent code: statsmodels' regressions on individual rows, and published worked figures."""

import numpy as np
import pytest
import statsmodels.api as sm

from reports.inequality import slope_index_of_inequality
from reports.mechanisms import ReachStratum, complier_average_causal_effect
from reports.stats import Z95, difference_in_differences, two_proportion_sample_size


def _rows(*cells):
    """Individual 0/1 rows from (events, total, **covariates) cells."""
    ys, xs = [], []
    for events, total, covariates in cells:
        ys += [1] * events + [0] * (total - events)
        xs += [covariates] * total
    return np.array(ys, dtype=float), np.array(xs, dtype=float)


def test_difference_in_differences_is_the_interaction_of_a_saturated_model_with_robust_errors():
    # columns: intercept, intervention, quintile 1, intervention × quintile 1
    y, x = _rows(
        (30, 200, (1, 1, 1, 1)), (12, 180, (1, 1, 0, 0)), (50, 210, (1, 0, 1, 0)), (14, 190, (1, 0, 0, 0)),
    )  # fmt: skip
    fit = sm.OLS(y, x).fit(cov_type="HC0")
    did = difference_in_differences((30, 200), (12, 180), (50, 210), (14, 190))
    assert did.estimate == pytest.approx(fit.params[3], abs=1e-12)
    assert (did.high - did.estimate) / Z95 == pytest.approx(fit.bse[3], rel=1e-9)


def test_difference_in_differences_of_an_empty_group_is_not_estimated():
    assert difference_in_differences((3, 10), (0, 0), (4, 10), (2, 10)) is None


def test_sample_size_matches_the_textbook_figure_for_ten_against_five_percent():
    # Fleiss, Levin & Paik (2003), without continuity correction: 435 per group.
    assert two_proportion_sample_size(0.10, 0.05).intervention == 435
    assert two_proportion_sample_size(0.10, 0.05).control == 435


def test_sample_size_with_twice_as_many_controls_needs_fewer_in_the_intervention_arm():
    equal, unequal = (
        two_proportion_sample_size(0.2, 0.15),
        two_proportion_sample_size(0.2, 0.15, control_per_intervention=2),
    )
    assert unequal.intervention < equal.intervention and unequal.control == 2 * unequal.intervention


def test_sample_size_is_not_given_for_no_difference():
    assert two_proportion_sample_size(0.1, 0.1) is None


DECILES = [(90, 600), (80, 620), (70, 580), (66, 640), (55, 600), (50, 610), (44, 590), (40, 620), (33, 600),
           (30, 640)]  # fmt: skip


def test_slope_index_is_phes_weighted_regression_on_the_relative_rank():
    totals = np.array([t for _, t in DECILES], dtype=float)
    rates = np.array([e / t for e, t in DECILES])
    share = totals / totals.sum()
    rank = np.cumsum(share) - share / 2
    fit = sm.WLS(rates, sm.add_constant(rank), weights=share).fit()
    index = slope_index_of_inequality(DECILES, repetitions=2000)
    assert index.sii == pytest.approx(-fit.params[1], abs=1e-12)  # most deprived end − least deprived end
    assert index.rii == pytest.approx(fit.params[0] / (fit.params[0] + fit.params[1]), abs=1e-12)
    assert index.not_estimable == ()


def test_slope_index_interval_by_simulation_agrees_with_the_analytic_one_on_large_counts():
    big = [(10 * e, 10 * t) for e, t in DECILES]
    index = slope_index_of_inequality(big)
    totals = np.array([t for _, t in big], dtype=float)
    p = np.array([e / t for e, t in big])
    share = totals / totals.sum()
    rank = np.cumsum(share) - share / 2
    fit = sm.WLS(p, sm.add_constant(rank), weights=share).fit()
    # The SII is linear in the rates: its variance is Σ cᵢ² Var(pᵢ), cᵢ the regression's weights on each rate.
    x = sm.add_constant(rank)
    c = np.linalg.solve(x.T @ (share[:, None] * x), x.T * share)[1]
    se = np.sqrt(np.sum(c**2 * p * (1 - p) / totals))
    assert index.sii == pytest.approx(-fit.params[1])
    assert index.sii_low == pytest.approx(index.sii - Z95 * se, rel=0.03)
    assert index.sii_high == pytest.approx(index.sii + Z95 * se, rel=0.03)
    assert index.rii_low < index.rii < index.rii_high


def test_slope_index_is_reproducible():
    assert slope_index_of_inequality(DECILES) == slope_index_of_inequality(DECILES)


def test_slope_index_needs_five_groups_and_says_so():
    index = slope_index_of_inequality(DECILES[:4])
    assert index.sii is None and "at least 5" in index.not_estimable[0]


def test_a_decile_without_dnas_gives_the_slope_but_says_the_interval_cannot_be_simulated():
    index = slope_index_of_inequality([(0, 50), *DECILES[1:]])
    assert index.sii is not None and index.sii_low is None
    assert "Decile 1 has no DNAs" in index.not_estimable[0]


def test_a_decile_without_appointments_says_the_index_cannot_be_estimated():
    index = slope_index_of_inequality([*DECILES[:9], (0, 0)])
    assert index.sii is None and "Decile 10 has no appointments" in index.not_estimable[0]


def _two_stage_least_squares(y, treated, instrument):
    """2SLS of y on reached, instrumented by the arm, with HC0 errors: independent of reports.mechanisms."""
    x = np.column_stack([np.ones_like(y), treated])
    zmat = np.column_stack([np.ones_like(y), instrument])
    projection = zmat @ np.linalg.solve(zmat.T @ zmat, zmat.T @ x)
    beta = np.linalg.solve(projection.T @ x, projection.T @ y)
    residual = y - x @ beta
    bread = np.linalg.inv(projection.T @ projection)
    meat = (projection * residual[:, None] ** 2).T @ projection
    return beta[1], np.sqrt((bread @ meat @ bread)[1, 1])


def test_complier_effect_is_the_two_stage_least_squares_estimate_with_the_arm_as_instrument():
    # Intervention: 1,000 appointments, 600 reached (40 of them DNAs), 100 DNAs; control: 20 reached.
    stratum = ReachStratum(1000, 100, 600, 40, 1000, 150, 20, 3)
    y = np.array([1] * 40 + [0] * 560 + [1] * 60 + [0] * 340 + [1] * 3 + [0] * 17 + [1] * 147 + [0] * 833, float)
    reached = np.array([1] * 600 + [0] * 400 + [1] * 20 + [0] * 980, float)
    arm = np.array([1] * 1000 + [0] * 1000, float)
    estimate, se = _two_stage_least_squares(y, reached, arm)
    effect = complier_average_causal_effect([stratum])
    assert effect.estimate == pytest.approx(estimate, abs=1e-12)
    assert effect.estimate == pytest.approx(-0.05 / 0.58)
    assert effect.delta_se == pytest.approx(se, rel=1e-6)
    # Fieller's interval: about the delta method's on so clear a first stage, and around the estimate.
    assert effect.low < effect.estimate < effect.high
    assert effect.low == pytest.approx(effect.estimate - Z95 * se, abs=0.01)


def test_complier_effect_numerator_is_the_mantel_haenszel_difference_across_strata():
    strata = [ReachStratum(400, 100, 200, 30, 100, 30, 0, 0), ReachStratum(100, 5, 60, 2, 400, 40, 0, 0)]
    effect = complier_average_causal_effect(strata)
    assert effect.itt == pytest.approx(-0.05)  # both strata −5 points
    assert effect.reach_difference == pytest.approx(0.55)  # both strata weigh 80: (0.5 + 0.6) / 2


def test_no_calls_reached_anyone_says_the_complier_effect_cannot_be_estimated():
    effect = complier_average_causal_effect([ReachStratum(100, 10, 0, 0, 100, 20, 0, 0)])
    assert effect.estimate is None and "No patient in either arm was reached" in effect.not_estimable[0]


def test_a_reach_difference_too_small_to_bound_gives_no_interval_and_says_why():
    effect = complier_average_causal_effect([ReachStratum(60, 6, 3, 0, 60, 9, 1, 0)])
    assert effect.estimate is not None and effect.low is None and effect.high is None
    assert "unbounded" in effect.not_estimable[0]


def test_one_arm_empty_says_the_complier_effect_cannot_be_estimated():
    effect = complier_average_causal_effect([ReachStratum(100, 10, 50, 2, 0, 0, 0, 0)])
    assert effect.estimate is None and "both arms" in effect.not_estimable[0]
