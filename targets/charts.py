"""An XmR chart as inline SVG, drawn on the server: it prints (the board pack) and needs no script.

Drawn from a reports.spc.XmrChart as Making Data Count draws one: the points joined month to month
(broken where a month is missing or suppressed), coloured by variation (blue improvement, orange
concern, grey common cause), the mean as a solid line, the process limits dashed, and the
trajectory (a target that changes month by month) as a red dashed line. The table beside it on
every page gives the same figures, so the picture is never the only carrier of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from reports.spc import XmrChart

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 36
COLOURS = {"improvement": "#289de0", "concern": "#fab428", "common": "#7b7d7d", None: "#7b7d7d"}
TRAJECTORY_COLOUR = "#de1b1b"


@dataclass(frozen=True)
class SvgChart:
    width: int
    height: int
    lines: list[dict[str, Any]]  # {"points": "x,y x,y", "kind": "data"|"mean"|"limit"|"trajectory", ...}
    dots: list[dict[str, Any]]
    y_ticks: list[dict[str, Any]]
    x_labels: list[dict[str, Any]]
    plot: dict[str, float]
    empty: bool


def _nice_step(span: float) -> float:
    """About five gridlines at 1, 2, 2.5 or 5 times a power of ten."""
    raw = span / 5
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= raw)


def spc_svg(chart: XmrChart, trajectory: Sequence[float | None] | None = None) -> SvgChart:
    """The chart's geometry in SVG user units; `trajectory` has one value (or None) per point."""
    points = chart.points
    plot = {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM}
    values = [p.value for p in points if p.value is not None]
    levels = [*values, *(v for p in points for v in (p.mean, p.lower_limit, p.upper_limit) if v is not None)]
    levels += [v for v in trajectory or () if v is not None]
    if not values:
        return SvgChart(WIDTH, HEIGHT, [], [], [], [], plot, empty=True)
    low, high = min(levels), max(levels)
    if high - low < 1e-9:
        low, high = low - 1, high + 1
    pad = (high - low) * 0.08
    low, high = low - pad, high + pad
    count = len(points)

    def x(i: int) -> float:
        span = plot["right"] - plot["left"]
        return round(plot["left"] + (span * i / (count - 1) if count > 1 else span / 2), 1)

    def y(v: float) -> float:
        return round(plot["bottom"] - (v - low) / (high - low) * (plot["bottom"] - plot["top"]), 1)

    def runs(series: Sequence[float | None]) -> list[str]:
        """Polylines of consecutive present values: a missing point breaks the line."""
        out, current = [], []
        for i, v in enumerate(series):
            if v is None:
                if current:
                    out.append(" ".join(current))
                current = []
                continue
            current.append(f"{x(i)},{y(v)}")
        if current:
            out.append(" ".join(current))
        return out

    lines = [{"kind": "data", "points": run} for run in runs([p.value for p in points])]
    for kind, attr in (("mean", "mean"), ("limit", "lower_limit"), ("limit", "upper_limit")):
        lines += [{"kind": kind, "points": run} for run in runs([getattr(p, attr) for p in points])]
    if trajectory is not None:
        lines += [{"kind": "trajectory", "points": run} for run in runs(list(trajectory))]
    dots = [
        {"x": x(i), "y": y(p.value), "colour": COLOURS[p.variation], "label": f"{p.label}: {p.value:.1f}"}
        for i, p in enumerate(points)
        if p.value is not None
    ]
    step = _nice_step(high - low)
    ticks, tick = [], math.ceil(low / step) * step
    while tick <= high:
        ticks.append({"y": y(tick), "label": f"{tick:g}"})
        tick = round(tick + step, 10)
    every = max(1, count // 8)
    # Every few months and the last; a regular label too close to the last one is left out, and the
    # first and last sit inside the plot's edges rather than being cut off by them.
    shown = [i for i in range(count) if (i % every == 0 and count - 1 - i >= every) or i == count - 1]
    labels = [{"x": x(i), "label": str(points[i].label), "anchor": _anchor(i, count)} for i in shown]
    return SvgChart(WIDTH, HEIGHT, lines, dots, ticks, labels, plot, empty=False)


def _anchor(i: int, count: int) -> str:
    if count > 1 and i == 0:
        return "start"
    return "end" if count > 1 and i == count - 1 else "middle"
