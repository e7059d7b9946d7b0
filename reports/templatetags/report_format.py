"""Formatting for report tables: a suppressed or missing value reads as a dash with a reason."""

from __future__ import annotations

from django import template

register = template.Library()

MISSING = "–"


@register.filter
def pct(value: float | None, places: int = 1) -> str:
    """A proportion (0–1) as a percentage."""
    return MISSING if value is None else f"{100 * value:.{places}f}%"


@register.filter
def points(value: float | None) -> str:
    """Percentage points, signed."""
    return MISSING if value is None else f"{value:+.1f}"


@register.filter
def number(value: float | int | None, places: int = 0) -> str:
    if value is None:
        return MISSING
    return f"{value:,.{places}f}"


@register.filter
def ratio(value: float | None) -> str:
    return MISSING if value is None else f"{value:.2f}"


@register.filter
def p_value(value: float | None) -> str:
    if value is None:
        return MISSING
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


@register.filter
def quintile_label(value: int | None) -> str:
    if value is None:
        return "Not known"
    return {1: "1 (most deprived)", 5: "5 (least deprived)"}.get(value, str(value))


@register.filter
def difference_points(value: float | None) -> str:
    """A difference of two proportions (0–1) in percentage points, signed."""
    return MISSING if value is None else f"{100 * value:+.1f}"
