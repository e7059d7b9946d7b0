"""Statistical process control: XmR charts as NHS England's "Making Data Count" draws them.

The rules are those of NHS-R's NHSRplotthedots (`ptd_spc_standard`, `ptd_calculate_point_type`),
the implementation NHS analysts use, so a chart here reads the same as theirs; the reference test
(tests/reports/test_spc_reference.py) checks every point of 312 series against the package.

Limits. Within each period (the whole series, or each part after a rebase), the centre line is the
mean and the process limits are mean ± 2.66 × the mean moving range. With `screen_outliers` (the
package's default) moving ranges of 3.267 × their mean or more are dropped and the mean moving range
is taken again, so one wild month does not widen the limits for all the others. With a `baseline` of
n points, the mean and limits come from the first n points of each period only (the package's
`fix_after_n_points`, at least 12).

A point is special-cause variation when
  - it is outside the process limits;
  - it is one of 7 or more points in a row each above (or below) the one before (a trend);
  - it is beyond two-thirds of the way from the mean to a limit (2 sigma), not outside the limits,
    and at least 2 of 3 consecutive points are, all 3 on the same side of the mean;
  - it is one of 7 or more points in a row on the same side of the mean (a shift; a point on the
    mean ends a run).
When several rules fire on one point, the first in that list names it (the package's ranking), and
the named rule's side says improvement or concern: a point above the upper limit inside a falling
trend is "above the upper limit".

Missing or suppressed points (None) are left out: they are in no mean, no moving range is taken
across them (the ranges either side of a gap are not joined), and the run rules go on over the
points that are present. The package expects no gaps; this is the only behaviour it leaves open.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

LIMIT_FACTOR = 2.66
CLOSE_FACTOR = 2 * (LIMIT_FACTOR / 3)  # two-thirds of the way to a limit, as the package computes it
MOVING_RANGE_SCREEN = 3.267  # the D4 constant: a moving range this many times the mean is an outlier
RUN_LENGTH = 7
TREND_LENGTH = 7
SHORT_SERIES = 12  # fewer points than this: trial limits, with a warning
MINIMUM_BASELINE = 12  # the package refuses a shorter fixed baseline
MINIMUM_POINTS = 2  # limits need at least one moving range

Direction = Literal["up", "down"]
Variation = Literal["improvement", "concern", "common"]

# The package's special-cause types, in its ranking, with what a director reads.
ABOVE_LIMIT, BELOW_LIMIT = "above_upper_limit", "below_lower_limit"
TREND_UP, TREND_DOWN = "trend_increasing", "trend_decreasing"
TWO_OF_THREE_ABOVE, TWO_OF_THREE_BELOW = "two_of_three_above", "two_of_three_below"
SHIFT_ABOVE, SHIFT_BELOW = "shift_above", "shift_below"
SPECIAL_CAUSES: dict[str, tuple[str, int]] = {
    # type: (words, +1 if it points up, −1 if down)
    ABOVE_LIMIT: ("a point above the upper process limit", 1),
    BELOW_LIMIT: ("a point below the lower process limit", -1),
    TREND_UP: ("7 points in a row rising", 1),
    TREND_DOWN: ("7 points in a row falling", -1),
    TWO_OF_THREE_ABOVE: ("2 of 3 points close to the upper limit", 1),
    TWO_OF_THREE_BELOW: ("2 of 3 points close to the lower limit", -1),
    SHIFT_ABOVE: ("7 points in a row above the mean", 1),
    SHIFT_BELOW: ("7 points in a row below the mean", -1),
}
POINT_TYPES: dict[str | None, str] = {
    "improvement": "special_cause_improvement",
    "concern": "special_cause_concern",
    "common": "common_cause",
    None: "common_cause",
}


@dataclass
class SpcPoint:
    label: Any
    value: float | None
    period: int = 0
    mean: float | None = None
    lower_limit: float | None = None
    upper_limit: float | None = None
    # Every rule that fired: "outside_limits", "trend", "two_of_three", "shift".
    signals: list[str] = field(default_factory=list)
    # The one the package's ranking names the point by (a key of SPECIAL_CAUSES), or None.
    special_cause: str | None = None
    variation: Variation | None = None

    @property
    def point_type(self) -> str:
        """The package's point type: special_cause_improvement, special_cause_concern or common_cause."""
        return POINT_TYPES[self.variation]

    @property
    def description(self) -> str:
        """The signal in words ("Concern: 7 points in a row above the mean"), or "" for none."""
        if self.special_cause is None or self.variation is None:
            return ""
        words = SPECIAL_CAUSES[self.special_cause][0]
        return f"{self.variation.capitalize()}: {words}"


@dataclass(frozen=True)
class SpcPeriod:
    """One stretch of the chart with its own mean and limits: the whole series, or the part after a rebase."""

    start: int  # positions in the series, end exclusive
    end: int
    points: int  # present (not missing) points
    mean: float | None
    lower_limit: float | None
    upper_limit: float | None
    baseline: int | None  # the first n positions fixed the limits, or None for all
    mean_moving_range: float | None = None

    @property
    def short(self) -> bool:
        return self.mean is not None and self.points < SHORT_SERIES


VARIATION_ICONS = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause variation of an improving nature: higher values",
    "improvement_low": "Special cause variation of an improving nature: lower values",
    "concern_high": "Special cause variation of a concerning nature: higher values",
    "concern_low": "Special cause variation of a concerning nature: lower values",
}
ASSURANCE_ICONS = {
    "pass": "The target will be met every time unless something changes: it lies outside the process limits, "
    "beyond the worst value to expect",
    "fail": "The target will be missed every time unless something changes: it lies outside the process limits, "
    "beyond the best value to expect",
    "inconsistent": "The target will be met some times and missed at others, at random: it lies between the "
    "process limits",
}


@dataclass(frozen=True)
class XmrChart:
    points: list[SpcPoint]
    improvement: Direction
    periods: list[SpcPeriod] = field(default_factory=list)
    target: float | None = None

    @property
    def latest(self) -> SpcPeriod | None:
        return self.periods[-1] if self.periods else None

    # The latest period's centre line and limits (the only ones when the chart is not rebased).
    @property
    def mean(self) -> float | None:
        return self.latest.mean if self.latest else None

    @property
    def upper_limit(self) -> float | None:
        return self.latest.upper_limit if self.latest else None

    @property
    def lower_limit(self) -> float | None:
        return self.latest.lower_limit if self.latest else None

    @property
    def warnings(self) -> list[str]:
        """What a reader must know before trusting the limits, in words."""
        out = []
        if not any(period.mean is not None for period in self.periods):
            present = sum(period.points for period in self.periods)
            if present >= MINIMUM_POINTS:  # enough points, but a missing month between every two of them
                out.append(
                    f"No two of the {present} points to chart are in neighbouring months, so there is no moving "
                    "range: no process limits are drawn and no signal is looked for."
                )
            else:
                out.append(
                    f"Only {present} point{'s' if present != 1 else ''} to chart: at least {MINIMUM_POINTS} "
                    "are needed for process limits, so none are drawn and no signal is looked for."
                )
        for number, period in enumerate(self.periods, start=1):
            if period.short:
                where = "The chart has" if len(self.periods) == 1 else f"Period {number} has"
                out.append(
                    f"{where} only {period.points} points: its limits are trial limits, to be revised as more "
                    f"points arrive (Making Data Count advises at least {SHORT_SERIES})."
                )
        return out

    @property
    def variation_icon(self) -> str | None:
        """The Making Data Count variation icon, from the latest point: a key of VARIATION_ICONS."""
        last = next((p for p in reversed(self.points) if p.variation is not None), None)
        if last is None:
            return None
        if last.variation == "common":
            return "common_cause"
        pointing_up = SPECIAL_CAUSES[last.special_cause][1] > 0  # type: ignore[index]
        return f"{last.variation}_{'high' if pointing_up else 'low'}"

    @property
    def assurance_icon(self) -> str | None:
        """Whether the latest limits say the target will be met: "pass", "fail", "inconsistent" or None."""
        if self.target is None or self.upper_limit is None or self.lower_limit is None:
            return None
        if self.target > self.upper_limit:
            return "fail" if self.improvement == "up" else "pass"
        if self.target < self.lower_limit:
            return "pass" if self.improvement == "up" else "fail"
        return "inconsistent"

    def as_dict(self) -> dict[str, Any]:
        variation, assurance = self.variation_icon, self.assurance_icon
        return {
            "mean": self.mean,
            "upper_limit": self.upper_limit,
            "lower_limit": self.lower_limit,
            "improvement": self.improvement,
            "target": self.target,
            "variation_icon": variation,
            "variation_icon_text": VARIATION_ICONS.get(variation or ""),
            "assurance_icon": assurance,
            "assurance_icon_text": ASSURANCE_ICONS.get(assurance or ""),
            "warnings": self.warnings,
            "periods": [
                {
                    "start": p.start,
                    "end": p.end,
                    "points": p.points,
                    "mean": p.mean,
                    "lower_limit": p.lower_limit,
                    "upper_limit": p.upper_limit,
                    "baseline": p.baseline,
                }
                for p in self.periods
            ],
            "points": [
                {
                    "label": p.label,
                    "value": p.value,
                    "period": p.period,
                    "mean": p.mean,
                    "lower_limit": p.lower_limit,
                    "upper_limit": p.upper_limit,
                    "signals": p.signals,
                    "special_cause": p.special_cause,
                    "variation": p.variation,
                    "description": p.description,
                }
                for p in self.points
            ],
        }


def xmr_chart(
    values: Sequence[float | None],
    *,
    improvement: Direction = "up",
    screen_outliers: bool = True,
    rebase_at: Iterable[int] = (),
    baseline: int | None = None,
    labels: Sequence[Any] | None = None,
    target: float | None = None,
) -> XmrChart:
    """An XmR chart of `values` in time order, None for a missing or suppressed point.

    `improvement` says which way is good ("down" for DNA rates and the gap). `rebase_at` lists the
    positions (0-based) where a new period with its own mean and limits begins; `baseline` fixes each
    period's mean and limits on its first n positions (n ≥ 12). `labels` (months, say) default to the
    positions; `target` gives the assurance icon. Raises ValueError on arguments that mean nothing.
    """
    if improvement not in ("up", "down"):
        raise ValueError(f'improvement must be "up" or "down", not {improvement!r}.')
    if baseline is not None and (isinstance(baseline, bool) or not isinstance(baseline, int)
                                 or baseline < MINIMUM_BASELINE):  # fmt: skip
        raise ValueError(f"A fixed baseline needs at least {MINIMUM_BASELINE} points, not {baseline!r}.")
    labels = list(range(len(values))) if labels is None else list(labels)
    if len(labels) != len(values):
        raise ValueError(f"{len(labels)} labels for {len(values)} values.")
    starts = sorted({0, *(_position(at, len(values)) for at in rebase_at)})
    points = [
        SpcPoint(label, None if value is None else float(value)) for label, value in zip(labels, values, strict=True)
    ]
    for value, point in zip(values, points, strict=True):
        if point.value is not None and not math.isfinite(point.value):
            raise ValueError(f"{value!r} at {point.label!r} is not a number to chart (use None for a gap).")
    periods = []
    for number, (start, end) in enumerate(pairwise([*starts, len(values)])):
        period = _period(points[start:end], start, screen_outliers=screen_outliers, baseline=baseline)
        periods.append(period)
        for point in points[start:end]:
            point.period = number
        if period.mean is not None:
            _judge_period([p for p in points[start:end] if p.value is not None], period, improvement)
    return XmrChart(points, improvement, periods, target)


def _position(at: Any, length: int) -> int:
    if isinstance(at, bool) or not isinstance(at, int) or not 0 <= at < length:
        raise ValueError(f"Cannot rebase at {at!r}: give a position from 0 to {length - 1}.")
    return at


def _mean(xs: list[float]) -> float:
    return math.fsum(xs) / len(xs)


def _period(points: list[SpcPoint], start: int, *, screen_outliers: bool, baseline: int | None) -> SpcPeriod:
    fixed = points if baseline is None else points[:baseline]
    xs = [p.value for p in fixed if p.value is not None]
    present = sum(p.value is not None for p in points)
    end = start + len(points)
    # A moving range needs two neighbouring months; none is taken across a missing one.
    ranges = [abs(b.value - a.value) for a, b in pairwise(fixed) if a.value is not None and b.value is not None]
    if not xs or not ranges:
        return SpcPeriod(start, end, present, None, None, None, baseline)
    mean = _mean(xs)
    mean_range = _mean(ranges)
    if screen_outliers and mean_range > 0:
        # The package keeps a range strictly under 3.267 × the mean (a constant series keeps all of its zeros).
        ranges = [r for r in ranges if r < MOVING_RANGE_SCREEN * mean_range]
        mean_range = _mean(ranges)
    lower, upper = mean - LIMIT_FACTOR * mean_range, mean + LIMIT_FACTOR * mean_range
    for point in points:
        point.mean, point.lower_limit, point.upper_limit = mean, lower, upper
    return SpcPeriod(start, end, present, mean, lower, upper, baseline, mean_range)


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _part_of_run(ends: list[bool], length: int) -> list[bool]:
    """A point belongs to a run when a run of `length` ends at it or at one of the next length − 1 points."""
    return [any(ends[i : i + length]) for i in range(len(ends))]


def _judge_period(points: list[SpcPoint], period: SpcPeriod, improvement: Direction) -> None:
    ys = [p.value for p in points]
    mean, lower, upper = period.mean, period.lower_limit, period.upper_limit
    close_high = mean + CLOSE_FACTOR * period.mean_moving_range  # type: ignore[operator]
    close_low = mean - CLOSE_FACTOR * period.mean_moving_range  # type: ignore[operator]
    side = [_sign(y - mean) for y in ys]  # type: ignore[operator]
    outside = [y > upper or y < lower for y in ys]  # type: ignore[operator]
    close = [not out and (y < close_low or y > close_high) for y, out in zip(ys, outside, strict=True)]  # type: ignore[operator]

    shift = _part_of_run(_shift_ends(side), RUN_LENGTH)
    trend = _part_of_run(_trend_ends(ys), TREND_LENGTH)  # type: ignore[arg-type]
    two_of_three = [c and w for c, w in zip(close, _in_two_of_three(close, side), strict=True)]
    steps = [0] + [_sign(b - a) for a, b in pairwise(ys)]  # type: ignore[operator]

    for i, point in enumerate(points):
        fired = {"outside_limits": outside[i], "trend": trend[i], "two_of_three": two_of_three[i], "shift": shift[i]}
        point.signals = [name for name, hit in fired.items() if hit]
        point.special_cause = _ranked_cause(i, fired, side, trend, steps)
        if point.special_cause is None:
            point.variation = "common"
        else:
            pointing_up = SPECIAL_CAUSES[point.special_cause][1] > 0
            point.variation = "improvement" if pointing_up == (improvement == "up") else "concern"


def _ranked_cause(i: int, fired: dict[str, bool], side: list[int], trend: list[bool], steps: list[int]) -> str | None:
    above = side[i] > 0
    if fired["outside_limits"]:
        return ABOVE_LIMIT if side[i] == 1 else BELOW_LIMIT
    if fired["trend"]:
        # A point inside a trend takes the direction of the step after it; the last point, the step before.
        following = i + 1 < len(trend) and trend[i + 1]
        step = steps[i + 1] if following else steps[i]
        return TREND_UP if step == 1 else TREND_DOWN
    if fired["two_of_three"]:
        return TWO_OF_THREE_ABOVE if above else TWO_OF_THREE_BELOW
    if fired["shift"]:
        return SHIFT_ABOVE if above else SHIFT_BELOW
    return None


def _shift_ends(side: list[int]) -> list[bool]:
    n = RUN_LENGTH
    return [
        i >= n - 1 and side[i] != 0 and all(s == side[i] for s in side[i - n + 1 : i + 1]) for i in range(len(side))
    ]


def _trend_ends(ys: list[float]) -> list[bool]:
    n = TREND_LENGTH
    ends = []
    for i in range(len(ys)):
        if i < n - 1:
            ends.append(False)
            continue
        steps = {_sign(ys[k] - ys[k - 1]) for k in range(i - n + 2, i + 1)}
        ends.append(steps in ({1}, {-1}))
    return ends


def _in_two_of_three(close: list[bool], side: list[int]) -> list[bool]:
    """Whether a point is in some window of 3 with at least 2 close to a limit, all 3 on one side of the mean."""
    n = len(close)
    windows = [
        start for start in range(n - 2) if sum(close[start : start + 3]) >= 2 and abs(sum(side[start : start + 3])) == 3
    ]
    hit = [False] * n
    for start in windows:
        for i in range(start, start + 3):
            hit[i] = True
    return hit
