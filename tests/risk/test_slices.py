"""Time slices by local date: chosen from the data (not from today's clock), or set by date, and
refused with the dates and counts that were seen."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest
from django.test import override_settings

from config.localtime import local_midnight
from demo import synthetic
from risk.slices import HOLDOUT_SHARE, TrainingError, choose_slices
from risk.table import local_weekday_and_hour, table_from_synthetic
from risk.training import train_model
from tests.risk.conftest import morning_of

AS_OF = local_midnight(date(2019, 4, 13))


def _days(first: date, last: date, per_day: int = 40, dna_every: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """`per_day` appointments at 10:00 on each day from `first` to `last`, every `dna_every`-th a DNA."""
    starts, y = [], []
    day = first
    while day <= last:
        moment = (local_midnight(day) + timedelta(hours=10)).timestamp()
        starts += [moment] * per_day
        y += [int(i % dna_every == 0) for i in range(per_day)]
        day += timedelta(days=1)
    return np.array(starts), np.array(y)


def _local_dates(starts: np.ndarray) -> np.ndarray:
    return local_weekday_and_hour(starts)[2]


def test_without_dates_the_hold_out_is_the_most_recent_fifth_of_what_happened_by_whole_days():
    starts, y = _days(date(2019, 3, 4), date(2019, 4, 12))  # 40 days
    slices = choose_slices(starts, y, as_of=AS_OF)
    assert slices.chosen_by == "share of the data"
    assert slices.holdout_from == date(2019, 4, 5)  # the last 8 of 40 days
    assert slices.holdout.mean() == pytest.approx(HOLDOUT_SHARE)
    days = _local_dates(starts)
    for mask in (slices.train, slices.validation, slices.holdout):  # no day is split between slices
        assert not set(days[mask]) & set(days[~mask])
    assert slices.validation_from < slices.holdout_from
    assert (slices.train | slices.validation | slices.holdout).all()
    assert not (slices.train & slices.validation).any()


def test_the_slices_do_not_depend_on_todays_date():
    # The same six weeks from 2019 give the same slices whatever the machine's clock says:
    # nothing is counted back from today.
    starts, y = _days(date(2019, 3, 4), date(2019, 4, 12))
    assert choose_slices(starts, y, as_of=AS_OF).holdout_from == date(2019, 4, 5)
    later = choose_slices(starts, y, as_of=local_midnight(date(2026, 1, 1)))
    assert later.holdout_from == date(2019, 4, 5)


def test_dates_given_set_the_hold_out_and_calibration_slices():
    starts, y = _days(date(2019, 3, 4), date(2019, 4, 12))
    slices = choose_slices(starts, y, as_of=AS_OF, holdout_from=date(2019, 4, 1), validation_from=date(2019, 3, 25))
    days = _local_dates(starts)
    assert slices.chosen_by == "dates given"
    assert set(days[slices.holdout]) == set(range((date(2019, 4, 1) - date(1970, 1, 1)).days, days.max() + 1))
    assert (slices.validation_from, slices.holdout_from) == (date(2019, 3, 25), date(2019, 4, 1))
    assert slices.validation.sum() == 7 * 40


@override_settings(ATTEND_RISK_MIN_ROWS=1000)
def test_a_hold_out_with_too_few_rows_is_refused_naming_the_dates_and_counts_seen():
    starts, y = _days(date(2019, 3, 4), date(2019, 4, 12))
    with pytest.raises(TrainingError) as refused:
        choose_slices(starts, y, as_of=AS_OF, holdout_from=date(2019, 4, 12))
    message = str(refused.value)
    assert "appointments that happened: 1,600 between 2019-03-04 and 2019-04-12" in message
    assert "the hold-out from 2019-04-12 has 40 with 5 DNAs" in message


def test_a_hold_out_after_the_last_appointment_is_refused_with_zero_rows_named():
    starts, y = _days(date(2019, 3, 4), date(2019, 4, 12))
    with pytest.raises(TrainingError, match=r"the hold-out from 2019-05-01 has 0 with 0 DNAs"):
        choose_slices(starts, y, as_of=AS_OF, holdout_from=date(2019, 5, 1))


def test_a_calibration_slice_that_starts_after_the_hold_out_is_refused():
    starts, y = _days(date(2019, 3, 4), date(2019, 4, 12))
    with pytest.raises(TrainingError, match=r"--calibration-from 2019-04-05 is not before --holdout-from 2019-04-01"):
        choose_slices(starts, y, as_of=AS_OF, holdout_from=date(2019, 4, 1), validation_from=date(2019, 4, 5))


@override_settings(ATTEND_RISK_MIN_ROWS=100)
def test_a_training_slice_with_one_outcome_only_is_refused_naming_it():
    starts, y = _days(date(2019, 3, 4), date(2019, 4, 12))
    y[_local_dates(starts) < (date(2019, 3, 25) - date(1970, 1, 1)).days] = 0
    with pytest.raises(TrainingError, match=r"the training slice before 2019-03-25 has 840 with 0 DNAs"):
        choose_slices(starts, y, as_of=AS_OF, holdout_from=date(2019, 4, 1), validation_from=date(2019, 3, 25))


def test_no_history_names_the_as_of_time_and_the_appointments_still_waiting_for_an_outcome():
    with pytest.raises(TrainingError, match=r"No history: no appointment before 2019-04-13 00:00.*; 12 before then"):
        choose_slices(np.array([]), np.array([], dtype=int), as_of=AS_OF, without_outcome=12)


@override_settings(ATTEND_RISK_MIN_ROWS=300)
def test_a_six_week_extract_from_an_earlier_year_trains_as_of_its_own_date_with_no_settings_changed():
    as_of_day = date(2019, 4, 13)
    trust = synthetic.generate(patients=1500, seed=3, today=as_of_day)
    six_weeks = [a for a in trust.appointments if a.starts_at >= morning_of(as_of_day) - timedelta(weeks=6)]
    result = train_model(table_from_synthetic(six_weeks), as_of=morning_of(as_of_day))
    assert date(2019, 3, 1) <= result.trained_from < result.holdout_from <= result.holdout_to < as_of_day
    assert result.metrics["all"]["model"]["auc"] > 0.6
    assert result.parameters["slices_chosen_by"] == "share of the data"


def test_training_as_of_a_date_learns_nothing_from_later_appointments():
    as_of_day = date(2019, 4, 13)
    trust = synthetic.generate(patients=1500, seed=3, today=as_of_day + timedelta(days=60))
    as_of = datetime.combine(as_of_day, datetime.min.time(), tzinfo=synthetic.LONDON)
    with override_settings(ATTEND_RISK_MIN_ROWS=300):
        result = train_model(table_from_synthetic(trust.appointments), as_of=as_of)
    assert result.holdout_to < as_of_day
    happened = [a for a in trust.appointments if a.starts_at < as_of and a.attendance_code in (3, 5, 6, 7)]
    assert sum(result.rows.values()) == len(happened)
