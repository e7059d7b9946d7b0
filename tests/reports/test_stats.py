import pytest
from statsmodels.stats.proportion import proportion_confint

from config.disclosure import rate_is_disclosive
from reports.stats import compare_proportions, newcombe_difference, relative_risk, wilson_interval


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
