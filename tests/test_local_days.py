"""A local day as an instant range: the clocks changing make some days 23 or 25 hours long."""

from datetime import date, datetime

import pytest

from config.localtime import local_day_bounds, local_days_bounds, local_zone

CLOCKS_FORWARD = date(2026, 3, 29)  # 01:00 GMT becomes 02:00 BST
CLOCKS_BACK = date(2026, 10, 25)  # 02:00 BST becomes 01:00 GMT


@pytest.mark.parametrize(("day", "hours"), [(CLOCKS_FORWARD, 23), (CLOCKS_BACK, 25), (date(2026, 6, 1), 24)])
def test_a_local_day_lasts_from_midnight_to_the_next_midnight_whatever_the_clocks_do(day, hours):
    start, end = local_day_bounds(day)
    # Measured between the instants: Python subtracts two datetimes in one zone by wall clock.
    assert end.timestamp() - start.timestamp() == hours * 3600
    assert start.astimezone(local_zone()).date() == day
    assert end.astimezone(local_zone()).date() == date.fromordinal(day.toordinal() + 1)
    assert (start.astimezone(local_zone()).hour, end.astimezone(local_zone()).hour) == (0, 0)


def test_a_range_of_local_days_runs_from_the_first_midnight_to_the_midnight_after_the_last():
    start, end = local_days_bounds(date(2026, 10, 24), CLOCKS_BACK)
    assert start == datetime(2026, 10, 24, tzinfo=local_zone())
    assert end == datetime(2026, 10, 26, tzinfo=local_zone())
    assert end.timestamp() - start.timestamp() == (24 + 25) * 3600


def test_as_of_today_is_now_and_any_other_day_is_the_midnight_that_begins_it(settings):
    from django.utils import timezone

    from config.localtime import as_of_instant, local_midnight

    before = timezone.now()
    assert before <= as_of_instant(timezone.localdate()) <= timezone.now()
    assert before <= as_of_instant(None) <= timezone.now()
    assert as_of_instant(date(2019, 3, 31)) == local_midnight(date(2019, 3, 31))
    assert as_of_instant(date(2019, 3, 31)).utcoffset().total_seconds() == 0  # before the clocks go forward
