"""Judged as deployed: the headline figures are on the appointments that could have been on a call
list, the all-appointments figures beside them, and recall is also given at the teams' real capacity."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import pytest

from accounts.roles import CALL_HANDLER, TEAM_LEAD
from config.localtime import local_midnight
from risk.evaluation import Capacity, judge, judge_as_deployed
from risk.features import could_be_listed
from risk.presenters import RiskModelPresenter
from risk.registry import teams_calls_per_day
from risk.table import local_weekday_and_hour
from tests.support.factories import TeamFactory, make_user


def _at(day: date, hour: float) -> float:
    return (local_midnight(day) + timedelta(hours=hour)).timestamp()


@pytest.mark.parametrize(
    ("booked", "listable"),
    [
        ((date(2019, 4, 8), 16.0), True),  # four days before
        ((date(2019, 4, 8), 23.9), True),  # just before the midnight that begins the last listing day
        ((date(2019, 4, 9), 0.1), False),  # on the last listing day itself: the night's scores were made
        ((date(2019, 4, 12), 8.0), False),  # on the day (a same-day booking)
        (None, True),  # the extract gave no booking date: nothing says it could not be listed
    ],
)
def test_an_appointment_could_be_listed_only_if_booked_before_its_last_listing_day_began(booked, listable):
    starts = np.array([_at(date(2019, 4, 12), 9.5)])
    day = local_weekday_and_hour(starts)[2]
    booked_at = np.array([np.nan if booked is None else _at(*booked)])
    assert could_be_listed(starts, booked_at, day, 3).tolist() == [listable]


def test_the_last_listing_day_is_counted_in_local_days_across_the_clock_change():
    # 31 March 2019 lasts 23 hours in London; three local days before 2 April begins at 30 March 00:00 GMT.
    starts = np.array([_at(date(2019, 4, 2), 9.0)])
    day = local_weekday_and_hour(starts)[2]
    just_before = datetime(2019, 3, 29, 23, 59, tzinfo=local_midnight(date(2019, 3, 29)).tzinfo).timestamp()
    assert could_be_listed(starts, np.array([just_before]), day, 3).tolist() == [True]
    assert could_be_listed(starts, np.array([_at(date(2019, 3, 30), 0.5)]), day, 3).tolist() == [False]


def _holdout(seed: int = 1) -> dict[str, np.ndarray]:
    """Ten days of 200 appointments: a third booked on the day (rarely missed, and ranked perfectly
    by a model that knows it), the rest ranked only a little better than chance."""
    rng = np.random.default_rng(seed)
    n = 2000
    day = np.repeat(np.arange(10), 200)
    same_day = rng.random(n) < 1 / 3
    y = np.where(same_day, rng.random(n) < 0.03, rng.random(n) < 0.15).astype(int)
    p = np.clip(np.where(same_day, 0.01, 0.1 + 0.05 * y + rng.normal(0, 0.08, n)), 0.02, 0.98)
    return {"y": y, "p": p, "day": day, "listable": ~same_day}


def test_headline_figures_leave_out_appointments_that_could_never_be_listed_and_all_are_kept_beside_them():
    h = _holdout()
    figures, _ = judge_as_deployed(
        y=h["y"], predictions={"model": h["p"], "rule": np.full(len(h["y"]), 0.1)}, day=h["day"],
        listable=h["listable"], groups={}, calls_per_day=None, days_ahead_min=3,
    )  # fmt: skip
    assert figures["populations"]["as_deployed"]["rows"] == int(h["listable"].sum())
    assert figures["all"]["model"]["rows"] == 2000
    assert figures["all"]["model"]["auc"] > figures["as_deployed"]["model"]["auc"] + 0.05  # the flattering one
    model = type("Row", (), {"metrics": figures, "parameters": {}})()
    labels = [label for label, _ in RiskModelPresenter(model).populations]
    assert labels[0].startswith("As deployed: appointments booked at least 3 days ahead")
    assert labels[1].startswith("All hold-out appointments")


def test_recall_at_capacity_calls_the_share_the_teams_can_make_of_each_days_listable_appointments():
    h = _holdout()
    capacity = Capacity(calls_per_day=27, appointments_per_day=135.0)  # a fifth
    figures, _ = judge(y=h["y"], predictions={"model": h["p"]}, day=h["day"], capacity=capacity)
    assert capacity.share == pytest.approx(0.2)
    assert figures["model"]["recall_capacity"] == figures["model"]["recall_top_20"]
    assert figures["model"]["precision_capacity"] == figures["model"]["precision_top_20"]


def test_capacity_share_is_calls_a_day_over_listable_appointments_a_day():
    h = _holdout()
    figures, _ = judge_as_deployed(
        y=h["y"], predictions={"model": h["p"]}, day=h["day"], listable=h["listable"], groups={},
        calls_per_day=20, days_ahead_min=3,
    )  # fmt: skip
    per_day = h["listable"].sum() / 10
    assert figures["capacity"]["share"] == pytest.approx(20 / per_day)
    assert figures["as_deployed"]["model"]["recall_capacity"] is not None


def test_the_teams_capacity_is_their_call_handlers_times_calls_per_handler(db):
    team = TeamFactory(name="Outreach", calls_per_handler=15)
    make_user(CALL_HANDLER, username="h1", team=team)
    make_user(CALL_HANDLER, username="h2", team=team)
    make_user(TEAM_LEAD, username="lead", team=team)  # a lead makes no calls
    assert teams_calls_per_day() == 30
