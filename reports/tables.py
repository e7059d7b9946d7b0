"""The dashboard's tables, by name: the page, its CSV downloads and the API show the same rows.

Each table is a function of the report filters and whether to suppress small numbers, and
returns plain rows (dicts of numbers and strings). Directors always get suppressed rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pilots.models import Pilot
from reports.evaluation import arm_comparisons, support_by_type
from reports.selectors import dna_gap, dna_rates, monthly_dna_rate_chart, monthly_gap_chart, rates_as_dicts
from reports.spc import XmrChart

Rows = list[dict[str, Any]]

GAP_SORTS = {
    "gap": lambda row: (row["gap_points"] is None, -(row["gap_points"] or 0)),
    "name": lambda row: row.get("specialty") or row.get("site") or "",
    "q1": lambda row: (row["q1_dna_rate"] is None, -(row["q1_dna_rate"] or 0)),
}


def quintiles(filters: dict[str, Any], suppress: bool) -> Rows:
    return rates_as_dicts(dna_rates("imd_quintile", **filters), suppress=suppress)


def deciles(filters: dict[str, Any], suppress: bool) -> Rows:
    return rates_as_dicts(dna_rates("imd_decile", **filters), suppress=suppress)


def gap_overall(filters: dict[str, Any], suppress: bool) -> Rows:
    return [gap.as_dict(suppress=suppress) for gap in dna_gap(**filters)]


def gap_by(by: str) -> Callable[[dict[str, Any], bool], Rows]:
    def table(filters: dict[str, Any], suppress: bool, sort: str = "gap", target_points: Any = None) -> Rows:
        rows = [gap.as_dict(suppress=suppress) for gap in dna_gap(by, target_points=target_points, **filters)]
        return sorted(rows, key=GAP_SORTS.get(sort, GAP_SORTS["gap"]))

    return table


def with_spc_signals(rows: Rows, chart: XmrChart) -> Rows:
    """Each month's row with its SPC signal in words ("Concern: 7 points in a row above the mean")."""
    points = {point.label: point for point in chart.points}
    out = []
    for row in rows:
        point = points.get(row["month"])
        out.append(
            {
                **row,
                "spc_signals": point.description if point else "",
                "spc_variation": point.variation if point else None,
            }
        )
    return out


def gap_over_time_with_chart(filters: dict[str, Any], suppress: bool, target_points: Any = None) -> tuple[Rows, Any]:
    gaps, chart = monthly_gap_chart(suppress=suppress, target_points=target_points, **filters)
    return with_spc_signals([gap.as_dict(suppress=suppress) for gap in gaps], chart), chart


def gap_over_time(filters: dict[str, Any], suppress: bool) -> Rows:
    return gap_over_time_with_chart(filters, suppress)[0]


def dna_rate_over_time_with_chart(filters: dict[str, Any], suppress: bool) -> tuple[Rows, Any]:
    rows, chart = monthly_dna_rate_chart(suppress=suppress, **filters)
    return with_spc_signals([row.as_dict(suppress=suppress) for row in rows], chart), chart


def dna_rate_over_time(filters: dict[str, Any], suppress: bool) -> Rows:
    return dna_rate_over_time_with_chart(filters, suppress)[0]


def pilot_arms(pilot: Pilot, suppress: bool) -> Rows:
    """The stratified (Mantel–Haenszel) effect first, then the crude pooled arms, then each quintile."""
    overall, by_quintile, stratified = arm_comparisons(pilot)
    rows = [stratified.as_dict(suppress=suppress), *(row.as_dict(suppress=suppress) for row in [overall, *by_quintile])]
    return [_flatten_arm_row(row) for row in rows]


def pilot_support(pilot: Pilot, suppress: bool) -> Rows:
    return [row.as_dict(suppress=suppress) for row in support_by_type(pilot)]


def _flatten_arm_row(row: dict[str, Any]) -> dict[str, Any]:
    flat = {"group": row["group"]}
    for arm in ("intervention", "control"):
        for key in ("appointments", "dnas", "dna_rate", "ci_low", "ci_high"):
            flat[f"{arm}_{key}"] = row[arm][key]
    for key in ("risk_difference", "rd_ci_low", "rd_ci_high", "relative_risk", "rr_ci_low", "rr_ci_high"):
        flat[key] = row[key]
    flat.update(p_value=row["p_value"], test=row["test"], suppressed=row["suppressed"])
    # Only the stratified row has these: heterogeneity across quintiles, and what could not be estimated.
    flat.update(heterogeneity_p=row.get("heterogeneity_p"), not_estimable=" ".join(row.get("not_estimable", [])))
    return flat


# Tables a CSV download can name (pilot tables take the pilot from the URL).
FILTERED_TABLES: dict[str, Callable[[dict[str, Any], bool], Rows]] = {
    "dna-rate-by-quintile": quintiles,
    "dna-rate-by-decile": deciles,
    "gap": gap_overall,
    "gap-by-specialty": gap_by("specialty"),
    "gap-by-site": gap_by("site"),
    "gap-over-time": gap_over_time,
    "dna-rate-over-time": dna_rate_over_time,
}
PILOT_TABLES: dict[str, Callable[[Pilot, bool], Rows]] = {"arms": pilot_arms, "support": pilot_support}
