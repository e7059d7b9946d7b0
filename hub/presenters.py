"""What the hub's pages show of its figures: plain rows for the templates, every missing piece said
in words. Formatting lives here, not in templates or selectors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.charts import funnel_svg
from hub.funnel import Funnel, gap_funnel, rate_funnel
from hub.meta_analysis import PooledEffect, dersimonian_laird
from hub.selectors import TrustFigures, TrustGapOverTime, TrustPilotEffect
from reports.views import spc_icons
from targets.charts import spc_svg


def _cells(n: int) -> str:
    return f"{n} cell{'s' if n != 1 else ''}"


def missing_statement(figures: TrustFigures) -> str:
    """What the trust suppressed and so is not in its figures, or ""."""
    if figures.complete:
        return ""
    gap = f", {figures.gap_suppressed_cells} of them in quintile 1 or 5" if figures.gap_suppressed_cells else ""
    return (
        f"{_cells(figures.suppressed_cells)} suppressed by the trust{gap}: their appointments are not in these "
        "figures (none are estimated)."
    )


def trust_row(figures: TrustFigures) -> dict[str, Any]:
    rate, gap = figures.rate.as_dict(), figures.gap.as_dict()
    months = figures.months
    return {
        "trust": figures.trust,
        "appointments": rate["appointments"],
        "dnas": rate["dnas"],
        "dna_rate": rate["dna_rate"],
        "ci_low": rate["ci_low"],
        "ci_high": rate["ci_high"],
        **{
            key: gap[key]
            for key in (
                "q1_appointments",
                "q1_dna_rate",
                "q5_appointments",
                "q5_dna_rate",
                "gap_points",
                "gap_ci_low",
                "gap_ci_high",
                "ratio",
            )
        },
        "months": f"{months[0]:%b %Y} – {months[-1]:%b %Y}" if months else "none",
        "month_count": len(months),
        "missing": missing_statement(figures),
        "gap_missing": "Quintile 1 or 5 has no appointments, so there is no gap." if gap["gap_points"] is None else "",
    }


@dataclass
class FunnelPanel:
    funnel: Funnel | None
    svg: Any
    rows: list[dict[str, Any]]
    unit: str


def _funnel_panel(funnel: Funnel | None, unit: str) -> FunnelPanel:
    if funnel is None:
        return FunnelPanel(None, None, [], unit)
    rows = [
        {
            "label": p.label,
            "volume": p.volume,
            "value": 100 * p.value,
            "judgement": p.judgement,
            "complete": p.complete,
            "limit_95": tuple(100 * v for v in p.limits["95%"]),
            "limit_998": tuple(100 * v for v in p.limits["99.8%"]),
        }
        for p in funnel.points
    ]
    return FunnelPanel(funnel, funnel_svg(funnel, unit=unit), rows, unit)


def rate_funnel_panel(figures: list[TrustFigures]) -> FunnelPanel:
    return _funnel_panel(
        rate_funnel([(f.trust.name, f.rate.dnas, f.rate.appointments, f.complete) for f in figures]), "%"
    )


def gap_funnel_panel(figures: list[TrustFigures]) -> FunnelPanel:
    cells = [
        (
            f.trust.name,
            (f.gap.most_deprived.dnas, f.gap.most_deprived.appointments),
            (f.gap.least_deprived.dnas, f.gap.least_deprived.appointments),
            f.gap_complete,
        )
        for f in figures
    ]
    return _funnel_panel(gap_funnel(cells), " points")


def gap_over_time_card(series: TrustGapOverTime, number: int) -> dict[str, Any]:
    not_sent = [f"{m.month:%b %Y}" for m in series.months if m.gap is None]
    suppressed = [f"{m.month:%b %Y}" for m in series.months if m.suppressed]
    notes = []
    if not_sent:
        notes.append(f"No figures sent for {', '.join(not_sent)}.")
    if suppressed:
        notes.append(
            f"Quintile 1 or 5 suppressed by the trust in {', '.join(suppressed)}: no gap is shown for those months."
        )
    return {
        "trust": series.trust,
        "prefix": f"hub-gap-{number}",
        "svg": spc_svg(series.chart),
        "icons": spc_icons(series.chart),
        "warnings": series.chart.warnings,
        "notes": notes,
        "months": [
            {
                "month": p.label,
                "gap_points": p.value,
                "description": p.description or "Common cause",
                "mean": p.mean,
                "lower": p.lower_limit,
                "upper": p.upper_limit,
            }
            for p in series.chart.points
        ],
    }


@dataclass
class PilotAcrossTrusts:
    rows: list[dict[str, Any]]
    pooled: PooledEffect | None
    left_out: list[str]


def pilot_across_trusts(effects: list[TrustPilotEffect]) -> PilotAcrossTrusts:
    """Each trust's stratified effect and the random-effects pooled estimate of those that have one."""
    rows, usable, left_out = [], [], []
    for effect in effects:
        difference, variance = effect.difference, effect.variance
        reasons = list(effect.effect.not_estimable)
        if effect.suppressed_cells:
            reasons.append(f"Not in this effect: {_cells(effect.suppressed_cells)} the trust suppressed.")
        rows.append(
            {
                "trust": effect.trust,
                "estimate": difference.estimate if difference else None,
                "low": difference.low if difference else None,
                "high": difference.high if difference else None,
                "strata": len(effect.effect.strata),
                "notes": reasons,
            }
        )
        if difference is not None and variance is not None:
            usable.append((difference.estimate, variance))
        else:
            left_out.append(f"{effect.trust.name}: no effect could be estimated, so it is not in the pooled estimate.")
    pooled = dersimonian_laird([e for e, _ in usable], [v for _, v in usable]) if usable else None
    return PilotAcrossTrusts(rows, pooled, left_out)
