"""Judging the final model once on the hold-out, beside the baselines, on the same rows, as deployed.

The score is used at a horizon: the call lists are about appointments
`ATTEND_CALL_DAYS_AHEAD_MIN`–`MAX` days ahead, scored the night before the list is built.
An appointment booked later than that (a same-day booking, say) can never be on a call
list, and is usually easy to rank (few of them are missed), so every model looks better
on all appointments than where it is used. The headline figures are therefore on the
appointments that were already booked at the start of the last day they could have
been listed (`could_be_listed`); the all-appointments figures are kept beside them, both
labelled.

In each population: the measures of risk.metrics for every set of predictions, the
model's AUC difference from each baseline (DeLong), recall and precision at the top
10%/20% of each day and at the team's real capacity (calls a day ÷ the appointments a
day that could be listed: each appointment is in the window on several days but is
called at most once, so over time the team reaches that share of them), and the
fairness table (per IMD quintile, sex, age band and ethnic group) on the headline rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from risk import metrics

HEADLINE, EVERYONE = "as_deployed", "all"


@dataclass(frozen=True)
class Capacity:
    calls_per_day: int
    appointments_per_day: float

    @property
    def share(self) -> float:
        return min(1.0, self.calls_per_day / self.appointments_per_day) if self.appointments_per_day else 1.0

    def as_dict(self) -> dict:
        return {"calls_per_day": self.calls_per_day, "appointments_per_day": round(self.appointments_per_day, 1),
                "share": self.share}  # fmt: skip


def _shares(capacity: Capacity | None) -> dict[float | str, float]:
    shares: dict[float | str, float] = {s: s for s in metrics.TOP_SHARES}
    if capacity is not None:
        shares["capacity"] = capacity.share
    return shares


def judge(
    *,
    y: np.ndarray,
    predictions: dict[str, np.ndarray],
    day: np.ndarray,
    groups: dict[str, np.ndarray] | None = None,
    capacity: Capacity | None = None,
) -> tuple[dict[str, dict], dict[str, dict[str, dict[str, dict]]]]:
    """(metrics per prediction set, fairness table) for one population's rows.

    `predictions["model"]` is the model; every other key is a baseline it is compared with.
    The top-of-day selections are made over each day's whole list, so a group's figures say
    what the shared list gives that group.
    """
    shares = _shares(capacity)
    flags = {
        name: {key: metrics.top_of_day_flags(day, p, share) for key, share in shares.items()}
        for name, p in predictions.items()
    }
    overall = {name: metrics.evaluate(y, p, flags[name]) for name, p in predictions.items()}
    both = min(int(y.sum()), int(len(y) - y.sum())) >= 2  # DeLong's variance needs two rows of each outcome
    overall["model"]["auc_above"] = (
        {name: metrics.auc_difference(y, predictions["model"], p) for name, p in predictions.items() if name != "model"}
        if both
        else {}
    )
    fairness: dict[str, dict[str, dict[str, dict]]] = {}
    for by, labels in (groups or {}).items():
        fairness[by] = {}
        for label in sorted(set(labels)):
            rows = labels == label
            fairness[by][str(label)] = {
                name: metrics.evaluate(y[rows], p[rows], {s: f[rows] for s, f in flags[name].items()})
                for name, p in predictions.items()
            }
    return overall, fairness


def judge_as_deployed(
    *,
    y: np.ndarray,
    predictions: dict[str, np.ndarray],
    day: np.ndarray,
    listable: np.ndarray,
    groups: dict[str, np.ndarray],
    calls_per_day: int | None,
    days_ahead_min: int,
) -> tuple[dict, dict]:
    """Hold-out metrics for the appointments that could be listed (the headline) and for all,
    and the fairness table on the headline rows. Returns (metrics, fairness)."""
    listed_days = day[listable]
    per_day = len(listed_days) / len(np.unique(listed_days)) if len(listed_days) else 0.0
    capacity = Capacity(calls_per_day, per_day) if calls_per_day else None
    headline, fairness = judge(
        y=y[listable],
        predictions={k: p[listable] for k, p in predictions.items()},
        day=listed_days,
        groups={k: g[listable] for k, g in groups.items()},
        capacity=capacity,
    )
    everyone, _ = judge(y=y, predictions=predictions, day=day, capacity=capacity)
    result = {
        HEADLINE: headline,
        EVERYONE: everyone,
        "populations": {
            HEADLINE: {"rows": int(listable.sum()), "booked_days_ahead_at_least": days_ahead_min},
            EVERYONE: {"rows": len(y)},
        },
    }
    if capacity is not None:
        result["capacity"] = capacity.as_dict()
    return result, fairness
