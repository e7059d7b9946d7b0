"""Statistical process control: XmR charts with NHS England's "Making Data Count" rules.

Limits are mean ± 2.66 × mean moving range. A point is special-cause variation when
  - it is outside the limits ("outside_limits"),
  - it is in a run of 7 or more on one side of the mean ("shift"; a point on the mean
    ends a run),
  - it is in a run of 7 or more, each strictly above (or below) the one before ("trend"),
  - it is one of at least 2 of 3 consecutive points beyond two-thirds of the way from the
    mean to the same limit ("two_of_three").
Each signal is improvement or concern according to which direction is good: for DNA rates
and the gap, down is better.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any, Literal

LIMIT_FACTOR = 2.66
RUN_LENGTH = 7
TREND_LENGTH = 7

Direction = Literal["up", "down"]


@dataclass
class SpcPoint:
    label: Any
    value: float | None
    signals: list[str] = field(default_factory=list)
    # For each signal the side it points to: "high" or "low".
    sides: set[str] = field(default_factory=set)
    variation: Literal["improvement", "concern", "common"] | None = None


@dataclass(frozen=True)
class XmrChart:
    points: list[SpcPoint]
    mean: float | None
    upper_limit: float | None
    lower_limit: float | None
    improvement: Direction

    def as_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "upper_limit": self.upper_limit,
            "lower_limit": self.lower_limit,
            "improvement": self.improvement,
            "points": [
                {"label": p.label, "value": p.value, "signals": p.signals, "variation": p.variation}
                for p in self.points
            ],
        }


def xmr_chart(labels: Sequence[Any], values: Sequence[float | None], *, improvement: Direction) -> XmrChart:
    """An XmR chart of `values` (None for a missing or suppressed point, left out of every rule)."""
    points = [SpcPoint(label, value) for label, value in zip(labels, values, strict=True)]
    present = [p for p in points if p.value is not None]
    if len(present) < 2:
        return XmrChart(points, None, None, None, improvement)
    xs = [float(p.value) for p in present]  # type: ignore[arg-type]
    mean = sum(xs) / len(xs)
    moving_range = sum(abs(b - a) for a, b in pairwise(xs)) / (len(xs) - 1)
    upper, lower = mean + LIMIT_FACTOR * moving_range, mean - LIMIT_FACTOR * moving_range
    _outside_limits(present, upper, lower)
    _shifts(present, mean)
    _trends(present)
    _two_of_three(present, mean, upper, lower)
    for point in points:
        point.variation = _judge(point, improvement) if point.value is not None else None
    return XmrChart(points, mean, upper, lower, improvement)


def _flag(point: SpcPoint, signal: str, side: str) -> None:
    if signal not in point.signals:
        point.signals.append(signal)
    point.sides.add(side)


def _outside_limits(points: list[SpcPoint], upper: float, lower: float) -> None:
    for point in points:
        if point.value > upper:  # type: ignore[operator]
            _flag(point, "outside_limits", "high")
        elif point.value < lower:  # type: ignore[operator]
            _flag(point, "outside_limits", "low")


def _runs(points: list[SpcPoint], key: Any) -> list[tuple[str, list[SpcPoint]]]:
    """Maximal runs of consecutive points sharing `key(previous, point)` (None breaks a run)."""
    runs: list[tuple[str, list[SpcPoint]]] = []
    current: list[SpcPoint] = []
    side: str | None = None
    for index, point in enumerate(points):
        this = key(points[index - 1] if index else None, point)
        if this is not None and this == side:
            current.append(point)
        else:
            if side is not None:
                runs.append((side, current))
            current, side = [point], this
    if side is not None:
        runs.append((side, current))
    return runs


def _shifts(points: list[SpcPoint], mean: float) -> None:
    def side(_previous: SpcPoint | None, point: SpcPoint) -> str | None:
        return "high" if point.value > mean else "low" if point.value < mean else None  # type: ignore[operator]

    for direction, run in _runs(points, side):
        if len(run) >= RUN_LENGTH:
            for point in run:
                _flag(point, "shift", direction)


def _trends(points: list[SpcPoint]) -> None:
    # A trend of n points is n − 1 consecutive rises (or falls); the first point starts it.
    steps = []
    for previous, point in pairwise(points):
        steps.append("high" if point.value > previous.value else "low" if point.value < previous.value else None)  # type: ignore[operator]
    index = 0
    while index < len(steps):
        end = index
        while end < len(steps) and steps[end] is not None and steps[end] == steps[index]:
            end += 1
        if steps[index] is not None and end - index + 1 >= TREND_LENGTH:
            for point in points[index : end + 1]:
                _flag(point, "trend", steps[index])  # type: ignore[arg-type]
        index = max(end, index + 1)


def _two_of_three(points: list[SpcPoint], mean: float, upper: float, lower: float) -> None:
    high_zone = mean + 2 / 3 * (upper - mean)
    low_zone = mean - 2 / 3 * (mean - lower)
    for start in range(len(points) - 2):
        window = points[start : start + 3]
        for side, beyond in (("high", lambda v: v > high_zone), ("low", lambda v: v < low_zone)):
            hits = [p for p in window if beyond(p.value)]
            if len(hits) >= 2:
                for point in hits:
                    _flag(point, "two_of_three", side)


def _judge(point: SpcPoint, improvement: Direction) -> str:
    if not point.sides:
        return "common"
    good = "high" if improvement == "up" else "low"
    if point.sides == {good}:
        return "improvement"
    return "concern"
