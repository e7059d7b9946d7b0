"""The time slices a model is trained, chosen and judged on, by local date.

Appointments that have happened before the as-of instant are split by time, never at
random, at local midnights (no day is split):

    [ ........ training ........ | validation | hold-out ]   ← as of
                                  (selects and  (judges the final
                                   calibrates)   model, once)

`--holdout-from` / `--calibration-from` set the boundaries by date. Without them the
boundaries are chosen from the data: the hold-out is the most recent `HOLDOUT_SHARE` of
the appointments that happened (by whole days), and the validation slice the same share
of what comes before it. So a six-week extract and a five-year one both train with no
settings changed, and nothing depends on the machine's clock.

Every refusal names the dates and counts it saw, so an analyst can tell at once whether
the extract, the as-of date or the chosen boundaries are at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from django.conf import settings

from risk.table import EPOCH, local_weekday_and_hour

HOLDOUT_SHARE = 0.20  # of the appointments that happened, the most recent, by whole days


class TrainingError(Exception):
    """The data cannot give a trustworthy model; the message says why, in plain words, with dates and counts."""


@dataclass(frozen=True)
class Slices:
    """Masks over the rows that happened, and the local dates that bound them."""

    train: np.ndarray
    validation: np.ndarray
    holdout: np.ndarray
    validation_from: date
    holdout_from: date
    chosen_by: str  # "dates given" or "share of the data"

    @property
    def fit(self) -> np.ndarray:
        """Training and validation together: what the final model is refitted on."""
        return self.train | self.validation


def _date(local_day: int) -> date:
    return EPOCH + timedelta(days=int(local_day))


def _days(local_day: date) -> int:
    return (local_day - EPOCH).days


def _minimum() -> int:
    return int(settings.ATTEND_RISK_MIN_ROWS)


def _share_boundary(local_days: np.ndarray, share: float) -> int | None:
    """The first local day of the most recent `share` of rows, whole days only (None if the rows
    span a single day, so no boundary can leave rows on both sides)."""
    if len(local_days) == 0:
        return None
    ordered = np.sort(local_days)
    boundary = int(ordered[min(int(np.floor((1 - share) * len(ordered))), len(ordered) - 1)])
    if boundary == ordered[0]:  # the whole share falls on the first day: move to the next day
        later = ordered[ordered > boundary]
        return int(later[0]) if len(later) else None
    return boundary


def _seen(local_days: np.ndarray, y: np.ndarray) -> str:
    first, last = _date(local_days.min()), _date(local_days.max())
    return f"appointments that happened: {len(y):,} between {first} and {last} ({int(y.sum()):,} DNAs)"


def _check_history(local_days: np.ndarray, y: np.ndarray, as_of: datetime, without_outcome: int) -> None:
    minimum = _minimum()
    if len(y) == 0:
        raise TrainingError(
            f"No history: no appointment before {as_of:%Y-%m-%d %H:%M} has an outcome (attended or did not "
            f"attend); {without_outcome:,} before then have none recorded. Import appointments that have "
            "happened, or train as of a later date (--as-of)."
        )
    seen = _seen(local_days, y)
    if len(y) < minimum:
        raise TrainingError(
            f"Too few rows: {seen}, and a risk model needs at least {minimum:,} (ATTEND_RISK_MIN_ROWS). "
            "Import a longer history."
        )
    if y.min() == y.max():
        outcome = "did not attend" if y[0] else "attended"
        raise TrainingError(
            f"One class only: {seen}; every one {outcome}, so there is nothing to tell apart. "
            "Import a history that includes both attendances and DNAs."
        )


def _check_slice(name: str, described: str, mask: np.ndarray, y: np.ndarray, seen: str) -> None:
    part = y[mask]
    needed = max(_minimum() // 10, 1)
    if len(part) < needed or part.min(initial=1) == part.max(initial=0):
        raise TrainingError(
            f"Too few rows in the {name}: {seen}; the {name} {described} has {len(part):,} "
            f"with {int(part.sum()):,} DNAs. Each slice needs at least {needed:,} appointments and both "
            "outcomes: choose other dates with --holdout-from and --calibration-from, or a later --as-of."
        )


def choose_slices(
    starts: np.ndarray,
    y: np.ndarray,
    *,
    as_of: datetime,
    holdout_from: date | None = None,
    validation_from: date | None = None,
    without_outcome: int = 0,
) -> Slices:
    """The training, validation and hold-out slices of the rows that happened (`starts`, outcome `y`).

    Raises TrainingError, naming the dates and counts it saw, when the history or any slice
    cannot support a trustworthy model.
    """
    _, _, local_days = local_weekday_and_hour(starts)
    _check_history(local_days, y, as_of, without_outcome)
    seen = _seen(local_days, y)
    if holdout_from is not None and validation_from is not None and validation_from >= holdout_from:
        raise TrainingError(
            f"The calibration slice must start before the hold-out: --calibration-from {validation_from} is "
            f"not before --holdout-from {holdout_from}."
        )
    chosen_by = "dates given" if holdout_from is not None else "share of the data"
    holdout_day = _days(holdout_from) if holdout_from is not None else _share_boundary(local_days, HOLDOUT_SHARE)
    if holdout_day is None:
        raise TrainingError(f"Too few days: {seen}; a hold-out needs appointments on more than one day.")
    holdout = local_days >= holdout_day
    holdout_text = f"from {_date(holdout_day)}"
    _check_slice("hold-out", holdout_text, holdout, y, seen)
    earlier = ~holdout
    if validation_from is not None:
        validation_day: int | None = _days(validation_from)
    else:
        validation_day = _share_boundary(local_days[earlier], HOLDOUT_SHARE)
        if validation_day is None:
            validation_day = holdout_day
    validation = earlier & (local_days >= validation_day)
    validation_text = f"from {_date(validation_day)} to the hold-out"
    _check_slice("calibration slice", validation_text, validation, y, seen)
    train = earlier & ~validation
    _check_slice("training slice", f"before {_date(validation_day)}", train, y, seen)
    return Slices(
        train=train,
        validation=validation,
        holdout=holdout,
        validation_from=_date(validation_day),
        holdout_from=_date(holdout_day),
        chosen_by=chosen_by,
    )
