import pytest

from reports.spc import xmr_chart

STABLE = [10, 11, 10, 12, 11, 10, 11, 12, 10, 11, 12, 11]


def chart(values, improvement="down"):
    return xmr_chart(list(range(len(values))), values, improvement=improvement)


def signals_at(result):
    return {i: p.signals for i, p in enumerate(result.points) if p.signals}


def test_limits_are_the_mean_plus_or_minus_2_66_mean_moving_ranges():
    result = chart([10, 12, 11, 13])
    # mean 11.5; moving ranges 2, 1, 2 → mean 5/3.
    assert result.mean == pytest.approx(11.5)
    assert result.upper_limit == pytest.approx(11.5 + 2.66 * 5 / 3)
    assert result.lower_limit == pytest.approx(11.5 - 2.66 * 5 / 3)


def test_a_stable_series_gives_no_signal():
    result = chart(STABLE)
    assert signals_at(result) == {}
    assert {p.variation for p in result.points} == {"common"}


def test_a_point_above_the_upper_limit_is_a_concern_when_down_is_good():
    result = chart([10, 14] * 5 + [30])
    assert signals_at(result) == {10: ["outside_limits"]}
    assert result.points[10].variation == "concern"


def test_a_point_below_the_lower_limit_is_an_improvement_when_down_is_good():
    result = chart([30, 26] * 5 + [10])
    assert "outside_limits" in result.points[10].signals
    assert result.points[10].variation == "improvement"


def test_seven_in_a_row_below_the_mean_is_a_shift():
    result = chart([10, 12] * 5 + [10.5, 10.3, 10.5, 10.3, 10.5, 10.3, 10.5])
    shifted = [i for i, p in enumerate(result.points) if "shift" in p.signals]
    assert shifted == list(range(10, 17))
    assert result.points[12].variation == "improvement"


def test_six_in_a_row_on_one_side_is_not_a_shift():
    result = chart([10, 12] * 5 + [10.5, 10.3, 10.5, 10.3, 10.5, 10.3, 12])
    assert not any("shift" in p.signals for p in result.points)


def test_seven_rising_points_are_a_trend_and_a_concern_when_down_is_good():
    result = chart([11, 10, 10.2, 10.4, 10.6, 10.8, 11, 11.2, 10.5])
    trending = [i for i, p in enumerate(result.points) if "trend" in p.signals]
    assert trending == list(range(1, 8))
    assert result.points[4].variation == "concern"


def test_seven_falling_points_are_an_improvement_when_down_is_good():
    result = chart([10, 11.2, 11, 10.8, 10.6, 10.4, 10.2, 10, 10.5])
    assert "trend" in result.points[3].signals
    assert result.points[3].variation == "improvement"


def test_six_rising_points_are_not_a_trend():
    result = chart([11, 10, 10.2, 10.4, 10.6, 10.8, 11, 10.1, 10.5])
    assert not any("trend" in p.signals for p in result.points)


def test_a_repeated_value_breaks_a_trend():
    result = chart([11, 10, 10.2, 10.4, 10.4, 10.6, 10.8, 11, 11.2])
    assert not any("trend" in p.signals for p in result.points)


def test_two_of_three_beyond_two_thirds_of_the_way_to_a_limit_signal():
    result = chart([10, 11] * 8 + [12.9, 11, 12.9])
    zone = result.mean + 2 / 3 * (result.upper_limit - result.mean)
    assert zone < 12.9 < result.upper_limit  # the series is built so: inside the limits, beyond the zone
    assert signals_at(result) == {16: ["two_of_three"], 18: ["two_of_three"]}
    assert result.points[16].variation == "concern"


def test_one_of_three_beyond_two_thirds_does_not_signal():
    result = chart([10, 11] * 8 + [12.9, 11, 10])
    assert signals_at(result) == {}


def test_up_is_good_turns_a_high_point_into_an_improvement():
    result = chart([10, 14] * 5 + [30], improvement="up")
    assert result.points[10].variation == "improvement"


def test_missing_points_are_left_out_of_the_limits_and_rules():
    result = chart([10, None, 12, 11, None, 13])
    assert result.mean == pytest.approx(11.5)
    assert result.points[1].variation is None


def test_fewer_than_two_points_give_no_limits():
    assert chart([10]).upper_limit is None
