"""A funnel plot as inline SVG, drawn on the server (as targets.charts draws the SPC chart): each
trust a dot at its volume and figure, the collaborative's figure a solid line, the 95% limits dashed
and the 99.8% limits dotted. The table beside it gives every figure, so the picture never carries one
alone. A trust whose figure is missing suppressed cells is drawn hollow."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from hub.funnel import Funnel

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 44
COLOURS = {"above": "#d5281b", "below": "#005eb8", "within": "#4c6272"}


@dataclass(frozen=True)
class FunnelSvg:
    width: int
    height: int
    plot: dict[str, float]
    lines: list[dict[str, Any]]
    dots: list[dict[str, Any]]
    y_ticks: list[dict[str, Any]]
    x_ticks: list[dict[str, Any]]
    x_label: str
    y_label: str


def _step(span: float, parts: int = 5) -> float:
    raw = span / parts
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(s * magnitude for s in (1, 2, 2.5, 5, 10) if s * magnitude >= raw)


def funnel_svg(funnel: Funnel, *, scale: float = 100.0, unit: str = "%") -> FunnelSvg:
    """The geometry; values are multiplied by `scale` (proportions shown as percentages or points)."""
    plot = {"left": LEFT, "right": WIDTH - RIGHT, "top": TOP, "bottom": HEIGHT - BOTTOM}
    x_max = max(p.volume for p in funnel.points) * 1.15
    smallest = min(p.volume for p in funnel.points)
    # The y range holds every trust and the 99.8% limits down to half the smallest trust's volume.
    levels = [p.value for p in funnel.points] + [funnel.target]
    levels += [v for n, low, high in funnel.curves["99.8%"] if n >= smallest / 2 for v in (low, high)]
    low, high = min(levels), max(levels)
    pad = (high - low) * 0.08 or 0.01
    low, high = low - pad, high + pad

    def x(n: float) -> float:
        return round(plot["left"] + n / x_max * (plot["right"] - plot["left"]), 1)

    def y(v: float) -> float:
        return round(plot["bottom"] - (v - low) / (high - low) * (plot["bottom"] - plot["top"]), 1)

    lines = [{"kind": "target", "points": f"{x(0)},{y(funnel.target)} {x(x_max)},{y(funnel.target)}"}]
    for name, kind in (("95%", "limit95"), ("99.8%", "limit998")):
        curve = [(n, lo, hi) for n, lo, hi in funnel.curves[name] if n <= x_max]
        for side in (1, 2):
            # Where a limit leaves the plotted range (small volumes) it is not drawn.
            inside = [f"{x(c[0])},{y(c[side])}" for c in curve if low <= c[side] <= high]
            if len(inside) > 1:
                lines.append({"kind": kind, "points": " ".join(inside)})
    dots = []
    for point in funnel.points:
        where = point.judgement
        colour = COLOURS["above" if where.startswith("above") else "below" if where.startswith("below") else "within"]
        dots.append(
            {
                "x": x(point.volume),
                "y": y(point.value),
                "colour": colour,
                "hollow": not point.complete,
                "label": f"{point.label}: {scale * point.value:.1f}{unit}, {where}",
            }
        )
    step = _step(high - low)
    y_ticks, tick = [], math.ceil(low / step) * step
    while tick <= high:
        y_ticks.append({"y": y(tick), "label": f"{scale * tick:g}"})
        tick = round(tick + step, 12)
    x_step = _step(x_max)
    x_ticks = [{"x": x(i * x_step), "label": f"{i * x_step:,.0f}"} for i in range(int(x_max // x_step) + 1)]
    return FunnelSvg(
        WIDTH, HEIGHT, plot, lines, dots, y_ticks, x_ticks, funnel.x_label, f"{funnel.y_label} ({unit.strip()})"
    )
