import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from config.disclosure import rate_is_disclosive
from reports.stats import (
    Stratum,
    compare_proportions,
    mantel_haenszel,
    newcombe_difference,
    relative_risk,
    wilson_interval,
)


@pytest.mark.parametrize(("events", "total"), [(0, 10), (1, 10), (7, 75), (81, 263), (50, 50), (3, 1000)])
def test_wilson_interval_matches_statsmodels(events, total):
    low, high = proportion_confint(events, total, alpha=0.05, method="wilson")
    interval = wilson_interval(events, total)
    assert interval.low == pytest.approx(low, abs=1e-9)
    assert interval.high == pytest.approx(high, abs=1e-9)


def test_wilson_interval_of_nothing_is_none():
    assert wilson_interval(0, 0) is None


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873, Table II, method 10 (hybrid score).
        ((56, 70, 48, 80), (0.2000, 0.0524, 0.3339)),
        ((9, 10, 3, 10), (0.6000, 0.1705, 0.8090)),
        ((6, 7, 2, 7), (0.5714, 0.0582, 0.8062)),
        ((5, 56, 0, 29), (0.0893, -0.0381, 0.1926)),
    ],
)
def test_newcombe_difference_matches_the_published_worked_examples(counts, expected):
    difference = newcombe_difference(*counts)
    assert (difference.estimate, difference.low, difference.high) == pytest.approx(expected, abs=5e-5)


def test_newcombe_difference_matches_statsmodels():
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(81, 263, 30, 240, method="newcomb", compare="diff")
    difference = newcombe_difference(81, 263, 30, 240)
    assert (difference.low, difference.high) == (pytest.approx(low), pytest.approx(high))


def test_newcombe_difference_matches_newcombes_boundary_example():
    # Newcombe (1998) example (d): 10/10 − 0/20 → 1.0 (0.6791, 1.0000), method 10.
    difference = newcombe_difference(10, 10, 0, 20)
    assert difference.low == pytest.approx(0.6791, abs=5e-5)
    assert difference.high == pytest.approx(1.0, abs=5e-5)


def test_relative_risk_interval_matches_statsmodels_table2x2():
    from statsmodels.stats.contingency_tables import Table2x2

    table = Table2x2([[30, 70], [15, 85]])
    rr = relative_risk(30, 100, 15, 100)
    low, high = table.riskratio_confint()
    assert rr.estimate == pytest.approx(table.riskratio)
    assert (rr.low, rr.high) == (pytest.approx(low), pytest.approx(high))


def test_relative_risk_without_events_in_the_reference_group_is_none():
    assert relative_risk(3, 10, 0, 10) is None


def test_large_tables_use_chi_square_and_small_ones_fisher():
    assert compare_proportions(80, 1000, 50, 1000).test == "chi_square"
    assert compare_proportions(2, 20, 6, 20).test == "fisher"


def test_chi_square_p_value_matches_scipy_on_a_known_table():
    result = compare_proportions(80, 1000, 50, 1000)
    # chi2 = 7.37 on 1 df for this table (uncorrected Pearson).
    assert result.p_value == pytest.approx(0.00663, abs=2e-4)


@pytest.mark.parametrize(
    ("events", "total", "disclosive"), [(4, 100, True), (5, 100, False), (96, 100, True), (5, 10, False), (0, 50, True)]
)
def test_a_rate_is_disclosive_when_events_or_non_events_are_under_five(events, total, disclosive):
    assert rate_is_disclosive(events, total) is disclosive


# --- Stratified (Mantel–Haenszel) --------------------------------------------------------------

# Simpson's paradox, the shape a stratified pilot can take: in both quintiles the intervention arm's
# DNA rate is 5 points lower, but most intervention appointments are in the high-DNA quintile.
SIMPSON = [Stratum(100, 400, 30, 100, "IMD quintile 1"), Stratum(5, 100, 40, 400, "IMD quintile 5")]


def test_pooling_the_arms_reverses_the_effect_on_simpsons_data():
    crude = newcombe_difference(105, 500, 70, 500)
    assert (round(100 * crude.estimate, 1), round(100 * crude.low, 1), round(100 * crude.high, 1)) == (7.0, 2.3, 11.7)
    assert round(compare_proportions(105, 500, 70, 500).p_value, 3) == 0.004


def test_the_mantel_haenszel_difference_recovers_the_minus_five_points_in_each_quintile():
    effect = mantel_haenszel(SIMPSON)
    rd = effect.risk_difference
    assert (round(100 * rd.estimate, 1), round(100 * rd.low, 1), round(100 * rd.high, 1)) == (-5.0, -10.6, 0.6)
    assert effect.relative_risk.estimate < 1
    assert effect.heterogeneity.statistic == pytest.approx(0.0, abs=1e-12)  # the same −5 points in both
    assert effect.not_estimable == ()


def _random_strata(rng, count):
    strata = []
    for _ in range(count):
        n1, n2 = (int(n) for n in rng.integers(5, 200, 2))
        p = rng.uniform(0.05, 0.5)
        strata.append(Stratum(int(rng.binomial(n1, p)), n1, int(rng.binomial(n2, p * rng.uniform(0.5, 1.5))), n2))
    return strata


def test_mh_relative_risk_cmh_test_and_breslow_day_match_statsmodels():
    from statsmodels.stats.contingency_tables import StratifiedTable

    rng = np.random.default_rng(1)
    for _ in range(200):
        strata = _random_strata(rng, int(rng.integers(2, 6)))
        effect = mantel_haenszel(strata)
        table = StratifiedTable(
            [np.array([[s.events1, s.total1 - s.events1], [s.events2, s.total2 - s.events2]]) for s in strata]
        )
        cmh, equal_odds = table.test_null_odds(correction=False), table.test_equal_odds(adjust=True)
        assert effect.relative_risk.estimate == pytest.approx(table.riskratio_pooled, rel=1e-12)
        assert effect.cmh.statistic == pytest.approx(cmh.statistic, rel=1e-12)
        assert effect.cmh.p_value == pytest.approx(cmh.pvalue, rel=1e-9, abs=1e-15)
        assert effect.breslow_day.statistic == pytest.approx(equal_odds.statistic, rel=1e-9, abs=1e-12)
        assert effect.breslow_day.p_value == pytest.approx(equal_odds.pvalue, rel=1e-9, abs=1e-12)


def test_heterogeneity_of_the_differences_is_cochrans_q_as_statsmodels_computes_it():
    from statsmodels.stats.meta_analysis import combine_effects

    rng = np.random.default_rng(2)
    for _ in range(100):
        strata = _random_strata(rng, int(rng.integers(2, 6)))
        variances = [
            s.events1 / s.total1 * (1 - s.events1 / s.total1) / s.total1
            + s.events2 / s.total2 * (1 - s.events2 / s.total2) / s.total2
            for s in strata
        ]
        expected = combine_effects(np.array([s.difference for s in strata]), np.array(variances))
        assert mantel_haenszel(strata).heterogeneity.statistic == pytest.approx(expected.q, rel=1e-12)


def test_the_intervals_cover_the_true_common_effect_95_percent_of_the_time():
    """Sato's variance for the difference and Greenland–Robins' for the log relative risk, by simulation:
    5 strata of unequal, unbalanced sizes, 4,000 pilots each (Monte Carlo standard error 0.35 points)."""
    sizes, control_rates = [(40, 120), (80, 80), (150, 50), (30, 30), (200, 100)], [0.30, 0.22, 0.15, 0.12, 0.08]
    rng = np.random.default_rng(2025)
    covered_rd = covered_rr = 0
    for _ in range(4000):
        effect = mantel_haenszel(
            [
                Stratum(int(rng.binomial(n1, p - 0.05)), n1, int(rng.binomial(n2, p)), n2)
                for (n1, n2), p in zip(sizes, control_rates, strict=True)
            ]
        )
        covered_rd += effect.risk_difference.low <= -0.05 <= effect.risk_difference.high
        effect = mantel_haenszel(
            [
                Stratum(int(rng.binomial(n1, p * 0.75)), n1, int(rng.binomial(n2, p)), n2)
                for (n1, n2), p in zip(sizes, control_rates, strict=True)
            ]
        )
        covered_rr += effect.relative_risk.low <= 0.75 <= effect.relative_risk.high
    assert 0.935 <= covered_rd / 4000 <= 0.965
    assert 0.935 <= covered_rr / 4000 <= 0.965


def test_sato_interval_holds_in_many_sparse_strata():
    # 40 strata of 6 against 4 appointments: where the Greenland–Robins difference variance (n − 1) breaks down.
    rng = np.random.default_rng(3)
    covered = 0
    for _ in range(2000):
        effect = mantel_haenszel(
            [Stratum(int(rng.binomial(6, 0.25)), 6, int(rng.binomial(4, 0.3)), 4) for _ in range(40)]
        )
        covered += effect.risk_difference.low <= -0.05 <= effect.risk_difference.high
    assert 0.93 <= covered / 2000 <= 0.97


def test_a_stratum_lacking_an_arm_is_left_out_of_the_estimate():
    with_empty = mantel_haenszel([*SIMPSON, Stratum(0, 0, 7, 30, "IMD quintile 3")])
    assert with_empty.risk_difference == mantel_haenszel(SIMPSON).risk_difference
    assert len(with_empty.strata) == 2


def test_a_pilot_with_one_arm_empty_says_nothing_can_be_estimated():
    effect = mantel_haenszel([Stratum(0, 0, 12, 80), Stratum(0, 0, 3, 40)])
    assert effect.risk_difference is None and effect.relative_risk is None and effect.cmh is None
    assert effect.not_estimable == (
        "No stratum has appointments in both arms, so no stratified effect can be estimated.",
    )


def test_no_dnas_at_all_says_the_difference_cannot_be_estimated():
    effect = mantel_haenszel([Stratum(0, 50, 0, 60), Stratum(0, 30, 0, 20)])
    assert effect.risk_difference is None and effect.relative_risk is None and effect.cmh is None
    assert any("same outcome" in reason for reason in effect.not_estimable)
    assert any("control arm" in reason for reason in effect.not_estimable)


def test_no_dnas_in_the_control_arm_leaves_the_difference_but_not_the_relative_risk():
    effect = mantel_haenszel([Stratum(5, 50, 0, 60), Stratum(3, 30, 0, 20)])
    assert effect.risk_difference.estimate > 0
    assert effect.relative_risk is None
    assert "No DNAs in the control arm, so the relative risk cannot be estimated." in effect.not_estimable


def test_strata_with_zero_events_are_kept_in_the_difference_and_left_out_of_heterogeneity():
    effect = mantel_haenszel([*SIMPSON, Stratum(0, 20, 0, 25, "IMD quintile 3")])
    assert effect.risk_difference.estimate == pytest.approx(-0.05 * 2 * 80 / (2 * 80 + 20 * 25 / 45))
    assert effect.heterogeneity.df == 1


def test_one_informative_stratum_cannot_be_tested_for_heterogeneity():
    effect = mantel_haenszel(SIMPSON[:1])
    assert effect.risk_difference.estimate == pytest.approx(-0.05)
    assert effect.heterogeneity is None and effect.breslow_day is None
    assert any("heterogeneity" in reason for reason in effect.not_estimable)
