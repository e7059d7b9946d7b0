"""XmR charts by Making Data Count's rules (NHSRplotthedots'); the reference test checks 312 series point by point."""

import pytest

from reports.spc import xmr_chart

STABLE = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 12, 11]


def chart(values, improvement="down", **options):
    return xmr_chart(values, improvement=improvement, **options)


def signals_at(result):
    return {i: p.signals for i, p in enumerate(result.points) if p.signals}


def test_limits_are_the_mean_plus_or_minus_2_66_mean_moving_ranges():
    result = chart([10, 12, 11, 13])
    # mean 11.5; moving ranges 2, 1, 2 → mean 5/3 (none is 3.267 times the mean, so none is screened).
    assert result.mean == pytest.approx(11.5)
    assert result.upper_limit == pytest.approx(11.5 + 2.66 * 5 / 3)
    assert result.lower_limit == pytest.approx(11.5 - 2.66 * 5 / 3)


# NHSRplotthedots' own snapshot series: R's rnorm(20) under set.seed(123), with the 15th value set to 10.
PACKAGE_SERIES = [
    -0.5604756465522126,
    -0.23017748948327996,
    1.558708314149124,
    0.070508391424576,
    0.12928773516094624,
    1.715064986883281,
    0.4609162059892023,
    -1.265061234606534,
    -0.6868528518935261,
    -0.44566197009995806,
    1.2240817974394615,
    0.3598138270573638,
    0.40077145059405217,
    0.1106827159451197,
    10.0,
    1.7869131368030782,
    0.4978504782292394,
    -1.9666171566296382,
    0.7013559015636855,
    -0.47279140772793404,
]


def test_an_outlying_moving_range_is_screened_out_of_the_limits():
    screened = chart(PACKAGE_SERIES, improvement="up")
    assert (screened.lower_limit, screened.upper_limit) == (
        pytest.approx(-2.38366559727413),
        pytest.approx(3.72249731569874),
    )
    assert screened.points[14].special_cause == "above_upper_limit"


def test_without_screening_the_outlier_widens_the_limits():
    unscreened = chart(PACKAGE_SERIES, improvement="up", screen_outliers=False)
    assert (unscreened.lower_limit, unscreened.upper_limit) == (
        pytest.approx(-4.59662518246976),
        pytest.approx(5.93545690089436),
    )


def test_a_stable_series_gives_no_signal():
    result = chart(STABLE)
    assert signals_at(result) == {}
    assert {p.variation for p in result.points} == {"common"}
    assert {p.point_type for p in result.points} == {"common_cause"}


def test_a_point_above_the_upper_limit_is_a_concern_when_down_is_good():
    result = chart([10, 14] * 5 + [30])
    assert signals_at(result) == {10: ["outside_limits"]}
    assert result.points[10].variation == "concern"
    assert result.points[10].description == "Concern: a point above the upper process limit"


def test_up_is_good_turns_a_high_point_into_an_improvement():
    result = chart([10, 14] * 5 + [30], improvement="up")
    assert result.points[10].variation == "improvement"


def test_seven_in_a_row_below_the_mean_is_a_shift_said_in_words():
    result = chart([10, 12] * 5 + [10.5, 10.3, 10.5, 10.3, 10.5, 10.3, 10.5])
    shifted = [i for i, p in enumerate(result.points) if "shift" in p.signals]
    assert shifted == list(range(10, 17))
    assert result.points[12].variation == "improvement"
    assert result.points[12].description == "Improvement: 7 points in a row below the mean"


def test_six_in_a_row_on_one_side_is_not_a_shift():
    result = chart([10, 12] * 5 + [10.5, 10.3, 10.5, 10.3, 10.5, 10.3, 12])
    assert not any("shift" in p.signals for p in result.points)


def test_a_point_on_the_mean_ends_a_run():
    result = chart([9, 11] * 4 + [11, 11, 11, 10, 11, 11, 11])  # mean 10: the 10 breaks 7 above into 3 and 3
    assert not any("shift" in p.signals for p in result.points)


def test_seven_rising_points_are_a_trend_and_a_concern_when_down_is_good():
    result = chart([11, 10, 10.2, 10.4, 10.6, 10.8, 11, 11.2, 10.5])
    trending = [i for i, p in enumerate(result.points) if "trend" in p.signals]
    assert trending == list(range(1, 8))
    assert result.points[4].variation == "concern"
    assert result.points[4].description == "Concern: 7 points in a row rising"


def test_six_rising_points_are_not_a_trend():
    result = chart([11, 10, 10.2, 10.4, 10.6, 10.8, 11, 10.1, 10.5])
    assert not any("trend" in p.signals for p in result.points)


def test_a_repeated_value_breaks_a_trend():
    result = chart([11, 10, 10.2, 10.4, 10.4, 10.6, 10.8, 11, 11.2])
    assert not any("trend" in p.signals for p in result.points)


def test_two_of_three_close_to_a_limit_on_the_same_side_signal():
    result = chart([10, 11] * 8 + [12.9, 11, 12.9])
    close = result.mean + 2 / 3 * (result.upper_limit - result.mean)
    assert close < 12.9 < result.upper_limit  # built so: inside the limits, beyond two-thirds of the way
    assert signals_at(result) == {16: ["two_of_three"], 18: ["two_of_three"]}
    assert result.points[16].description == "Concern: 2 of 3 points close to the upper limit"


def test_two_of_three_needs_all_three_points_on_the_same_side_of_the_mean():
    # The middle point falls below the mean: the package does not count the window (its issue #143).
    result = chart([10, 11] * 8 + [12.9, 10, 12.9])
    assert "two_of_three" not in result.points[16].signals


def test_a_point_outside_the_limits_does_not_count_towards_two_of_three():
    # One close and one beyond the limit: only one point is close, so only the limit rule fires.
    result = chart([10, 11] * 8 + [12.9, 11, 20])
    assert result.points[16].signals == []
    assert result.points[18].special_cause == "above_upper_limit"


def test_one_of_three_close_to_a_limit_does_not_signal():
    result = chart([10, 11] * 8 + [12.9, 11, 10])
    assert signals_at(result) == {}


def test_when_rules_conflict_the_limit_outranks_the_trend():
    # Seven falling points whose last is below the lower limit; up is good. The falling trend is a
    # concern and the last point is named by the limit rule, the package's first-ranked.
    values = [50, 51, 50, 51, 50, 51, 50, 51, 50, 51, 50, 51, 50, 49, 48, 47, 46, 45, 30]
    result = chart(values, improvement="up")
    assert set(result.points[-1].signals) >= {"outside_limits", "trend"}
    assert result.points[-1].special_cause == "below_lower_limit"


def test_a_shift_above_the_mean_inside_a_falling_trend_reads_as_the_trend():
    # Down is good; 8 points above the mean, the last 7 of them falling. The trend (ranked before the
    # shift) names the falling points an improvement; the one point only in the shift is a concern.
    values = [10, 14] * 6 + [16, 15.5, 15, 14.6, 14.3, 14.1, 13.9]
    result = chart(values, improvement="down")
    assert all(set(p.signals) == {"trend", "shift"} for p in result.points[12:])
    assert {p.special_cause for p in result.points[12:]} == {"trend_decreasing"}
    assert {p.variation for p in result.points[12:]} == {"improvement"}
    assert result.points[11].special_cause == "shift_above"
    assert result.points[11].variation == "concern"


def test_a_missing_month_is_left_out_and_no_moving_range_is_taken_across_it():
    result = chart([10, None, 12, 11, None, 13])
    assert result.mean == pytest.approx(11.5)
    # Only 12→11 is a moving range (1): 10→12 and 11→13 straddle a gap.
    assert result.upper_limit == pytest.approx(11.5 + 2.66 * 1)
    assert result.points[1].variation is None
    assert result.points[1].description == ""


def test_runs_go_on_over_a_suppressed_month():
    values = [10, 12] * 5 + [10.5, 10.3, 10.5, None, 10.3, 10.5, 10.3, 10.5]
    result = chart(values)
    assert all("shift" in result.points[i].signals for i in (10, 11, 12, 14, 15, 16, 17))


def test_rebasing_gives_each_period_its_own_mean_and_limits_and_rules():
    before, after = [10, 11] * 6, [20, 21] * 6
    result = chart(before + after, rebase_at=[12])
    assert [p.mean for p in result.periods] == [pytest.approx(10.5), pytest.approx(20.5)]
    assert result.points[0].mean == pytest.approx(10.5)
    assert result.points[12].mean == pytest.approx(20.5)
    assert result.mean == pytest.approx(20.5)  # the chart's headline limits are the latest period's
    # Without the rebase the step would read as a shift; with it, each period is stable.
    assert signals_at(result) == {}
    assert signals_at(chart(before + after)) != {}


def test_a_fixed_baseline_sets_the_limits_from_its_first_points_only():
    values = [10, 11] * 6 + [30, 31] * 3
    result = chart(values, baseline=12)
    assert result.mean == pytest.approx(10.5)
    assert result.periods[0].baseline == 12
    assert all(p.special_cause == "above_upper_limit" for p in result.points[12:])


def test_a_baseline_under_twelve_points_is_refused():
    with pytest.raises(ValueError, match="at least 12"):
        chart(STABLE, baseline=6)


def test_a_short_series_warns_that_its_limits_are_trial_limits():
    result = chart(STABLE[:11])
    assert result.mean is not None
    assert "only 11 points" in result.warnings[0] and "trial limits" in result.warnings[0]
    assert chart(STABLE).warnings == []


def test_a_series_of_one_point_gives_no_limits_and_says_so():
    result = chart([10])
    assert result.upper_limit is None and result.mean is None
    assert result.points[0].variation is None
    assert "at least 2" in result.warnings[0]
    assert result.variation_icon is None


def test_all_points_suppressed_gives_no_limits_and_no_crash():
    result = chart([None, None, None])
    assert result.mean is None
    assert "Only 0 points" in result.warnings[0]


def test_a_constant_series_has_limits_on_its_mean_and_no_signal():
    result = chart([5.0] * 12)
    assert result.upper_limit == result.lower_limit == 5.0
    assert signals_at(result) == {}


def test_a_value_that_is_not_a_number_is_refused():
    with pytest.raises(ValueError, match="not a number"):
        chart([1, 2, float("nan")])


def test_rebasing_outside_the_series_is_refused():
    with pytest.raises(ValueError, match="Cannot rebase"):
        chart(STABLE, rebase_at=[40])


def test_the_variation_icon_follows_the_latest_point():
    assert chart(STABLE).variation_icon == "common_cause"
    assert chart([10, 14] * 5 + [30], improvement="down").variation_icon == "concern_high"
    assert chart([10, 14] * 5 + [30], improvement="up").variation_icon == "improvement_high"
    assert chart([30, 26] * 5 + [10], improvement="down").variation_icon == "improvement_low"
    assert chart([30, 26] * 5 + [10], improvement="up").variation_icon == "concern_low"


def test_the_assurance_icon_compares_the_target_with_the_limits():
    # STABLE: mean 10.92, limits about 8.5 to 13.3.
    assert chart(STABLE, improvement="down", target=15).assurance_icon == "pass"  # always under a ceiling of 15
    assert chart(STABLE, improvement="down", target=5).assurance_icon == "fail"
    assert chart(STABLE, improvement="up", target=15).assurance_icon == "fail"
    assert chart(STABLE, improvement="up", target=5).assurance_icon == "pass"
    assert chart(STABLE, improvement="down", target=11).assurance_icon == "inconsistent"
    assert chart(STABLE).assurance_icon is None


def test_labels_name_the_points():
    result = xmr_chart([1, 2, 3], labels=["2025-01", "2025-02", "2025-03"])
    assert [p.label for p in result.points] == ["2025-01", "2025-02", "2025-03"]


def test_points_with_a_gap_between_every_two_say_why_no_limits_are_drawn():
    chart = xmr_chart([3.0, None, 4.0], improvement="down")
    assert chart.mean is None
    assert chart.warnings == [
        "No two of the 2 points to chart are in neighbouring months, so there is no moving range: no process "
        "limits are drawn and no signal is looked for."
    ]
