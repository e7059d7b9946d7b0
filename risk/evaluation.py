"""Judging the final model once on the hold-out, beside the baselines, on the same rows.

The figures are kept per population (`POPULATIONS`), so the card can put the figure for
the appointments the model is actually used on beside the one for all appointments,
each labelled. In every population: the measures of risk.metrics for every set of
predictions, the model's AUC difference from each baseline (DeLong), and the fairness
table (the model per IMD quintile, sex, age band and ethnic group).
"""

from __future__ import annotations

import numpy as np

from risk import metrics

POPULATIONS = ("all",)


def judge(
    *,
    y: np.ndarray,
    predictions: dict[str, np.ndarray],
    day: np.ndarray,
    groups: dict[str, np.ndarray],
    shares: tuple[float, ...] = metrics.TOP_SHARES,
) -> tuple[dict[str, dict], dict[str, dict[str, dict[str, dict]]]]:
    """(metrics per prediction set, fairness table) for one population's rows.

    `predictions["model"]` is the model; every other key is a baseline it is compared with.
    The top-of-day selections are made over each day's whole list, so a group's figures say
    what the shared list gives that group.
    """
    flags = {name: {s: metrics.top_of_day_flags(day, p, s) for s in shares} for name, p in predictions.items()}
    overall = {name: metrics.evaluate(y, p, flags[name]) for name, p in predictions.items()}
    both = 0 < y.sum() < len(y)
    overall["model"]["auc_above"] = (
        {name: metrics.auc_difference(y, predictions["model"], p) for name, p in predictions.items() if name != "model"}
        if both
        else {}
    )
    fairness: dict[str, dict[str, dict[str, dict]]] = {}
    for by, labels in groups.items():
        fairness[by] = {}
        for label in sorted(set(labels)):
            rows = labels == label
            fairness[by][str(label)] = {
                name: metrics.evaluate(y[rows], p[rows], {s: f[rows] for s, f in flags[name].items()})
                for name, p in predictions.items()
            }
    return overall, fairness
