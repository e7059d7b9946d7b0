"""The dashboard's tables, by name: the page, its CSV downloads and the API show the same rows.

Each table knows its columns (so an empty one still downloads with its header row) and is a
function of the report filters and the Disclosure decided once for them where the data leaves
(reports.disclosure), or of a pilot and the audience; it returns plain rows (dicts of numbers
and strings) with what that audience may not see left blank. SPC charts are drawn from the rows
as cut, so a withheld month is a gap in the chart and in no mean or limit.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from appointments.models import DID_NOT_ATTEND, WAS_NOT_BROUGHT, child_age_under
from config.disclosure import Audience
from config.spreadsheets import safe_writer
from patients.models import AGE_BANDS
from pilots.models import Pilot
from reports.disclosure import Disclosure
from reports.evaluation import arm_comparisons, support_by_type
from reports.pilot_disclosure import pilot_disclosure
from reports.selectors import dna_gap, dna_rates, monthly_gaps
from reports.spc import XmrChart, xmr_chart

Rows = list[dict[str, Any]]

RATE_COLUMNS = ("appointments", "dnas", "dna_rate", "ci_low", "ci_high", "suppressed")
GAP_COLUMNS = ("q1_appointments", "q1_dnas", "q1_dna_rate", "q5_appointments", "q5_dnas", "q5_dna_rate",
               "target_points", "gap_points", "gap_ci_low", "gap_ci_high", "ratio", "ratio_ci_low", "ratio_ci_high",
               "meets_target", "suppressed")  # fmt: skip
SPC_COLUMNS = ("spc_signals", "spc_variation")
ARM_FIELDS = ("appointments", "dnas", "dna_rate", "ci_low", "ci_high")
ARMS_COLUMNS = ("group", *(f"{arm}_{key}" for arm in ("intervention", "control") for key in ARM_FIELDS),
                "risk_difference", "rd_ci_low", "rd_ci_high", "relative_risk", "rr_ci_low", "rr_ci_high", "p_value",
                "test", "suppressed", "heterogeneity_p", "not_estimable")  # fmt: skip
SUPPORT_COLUMNS = ("support_type", "label", "offered", "accepted", "arranged", "accepted_appointments",
                   "accepted_dnas", "accepted_dna_rate")  # fmt: skip

GAP_SORTS = {
    "gap": lambda row: (row["gap_points"] is None, -(row["gap_points"] or 0)),
    "name": lambda row: row.get("specialty") or row.get("site") or "",
    "q1": lambda row: (row["q1_dna_rate"] is None, -(row["q1_dna_rate"] or 0)),
}


def dnas_named(age_band: str) -> str:
    """What an age band's DNAs are called: a child's missed appointment is "was not brought"
    (ATTEND_CHILD_AGE_UNDER, on the appointment's day), anyone else's "did not attend". A band
    that spans the child age names both; the counts are DNAs either way (DESIGN.md)."""
    under = child_age_under()
    bounds = {label: (low, high) for label, low, high in AGE_BANDS}
    low, high = bounds.get(age_band, (under, under))  # "Not known": never taken for a child
    if high < under:
        return WAS_NOT_BROUGHT.lower()
    if low >= under:
        return DID_NOT_ATTEND.lower()
    return f"{WAS_NOT_BROUGHT.lower()} (under {under}), {DID_NOT_ATTEND.lower()} ({under} and over)"


def with_dnas_named(rows: Rows, by: Sequence[str]) -> Rows:
    """Rows grouped by age band gain `dnas_named` (see dnas_named); other groupings are unchanged."""
    if "age_band" not in by:
        return rows
    return [{**row, "dnas_named": dnas_named(row["age_band"])} for row in rows]


def quintiles(filters: dict[str, Any], disclosure: Disclosure) -> Rows:
    return disclosure.rates(dna_rates("imd_quintile", **filters))


def deciles(filters: dict[str, Any], disclosure: Disclosure) -> Rows:
    return disclosure.rates(dna_rates("imd_decile", **filters))


def gap_overall(filters: dict[str, Any], disclosure: Disclosure) -> Rows:
    return [disclosure.gap(gap) for gap in dna_gap(**filters)]


def gap_by(by: str) -> Callable[..., Rows]:
    def table(filters: dict[str, Any], disclosure: Disclosure, sort: str = "gap", target_points: Any = None) -> Rows:
        rows = [disclosure.gap(gap) for gap in dna_gap(by, target_points=target_points, **filters)]
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


def gap_over_time_with_chart(
    filters: dict[str, Any], disclosure: Disclosure, target_points: Any = None
) -> tuple[Rows, XmrChart]:
    """The monthly gap (quintile 1 − quintile 5, points) as an XmR chart of the months that may be shown."""
    gaps = monthly_gaps(target_points=target_points, **filters)
    rows = [disclosure.gap(gap) for gap in gaps]
    target = gaps[0].target_points if gaps else target_points  # dna_gap fills in the current target
    chart = xmr_chart(
        [row["gap_points"] for row in rows],
        labels=[row["month"] for row in rows],
        improvement="down",
        target=None if target is None else float(target),
    )
    return with_spc_signals(rows, chart), chart


def gap_over_time(filters: dict[str, Any], disclosure: Disclosure) -> Rows:
    return gap_over_time_with_chart(filters, disclosure)[0]


def dna_rate_over_time_with_chart(filters: dict[str, Any], disclosure: Disclosure) -> tuple[Rows, XmrChart]:
    """The monthly DNA rate (%) as an XmR chart of the months that may be shown."""
    rows = disclosure.rates(dna_rates("month", **filters))
    values = [None if row["dna_rate"] is None else 100 * row["dna_rate"] for row in rows]
    chart = xmr_chart(values, labels=[row["month"] for row in rows], improvement="down")
    return with_spc_signals(rows, chart), chart


def dna_rate_over_time(filters: dict[str, Any], disclosure: Disclosure) -> Rows:
    return dna_rate_over_time_with_chart(filters, disclosure)[0]


def pilot_arms(pilot: Pilot, audience: Audience) -> Rows:
    """The stratified (Mantel–Haenszel) effect first, then the crude pooled arms, then each quintile."""
    overall, by_quintile, stratified = arm_comparisons(pilot)
    cut = pilot_disclosure(audience, overall, by_quintile)
    rows = [cut.stratified(stratified), *(cut.comparison(row) for row in [overall, *by_quintile])]
    return [_flatten_arm_row(row) for row in rows]


def pilot_support(pilot: Pilot, audience: Audience) -> Rows:
    overall, by_quintile, _ = arm_comparisons(pilot)
    cut = pilot_disclosure(audience, overall, by_quintile)
    return [cut.support(row) for row in support_by_type(pilot)]


def _flatten_arm_row(row: dict[str, Any]) -> dict[str, Any]:
    flat = {"group": row["group"]}
    for arm in ("intervention", "control"):
        for key in ARM_FIELDS:
            flat[f"{arm}_{key}"] = row[arm][key]
    for key in ("risk_difference", "rd_ci_low", "rd_ci_high", "relative_risk", "rr_ci_low", "rr_ci_high"):
        flat[key] = row[key]
    flat.update(p_value=row["p_value"], test=row["test"], suppressed=row["suppressed"])
    # Only the stratified row has these: heterogeneity across quintiles, and what could not be estimated.
    flat.update(heterogeneity_p=row.get("heterogeneity_p"), not_estimable=" ".join(row.get("not_estimable", [])))
    return flat


@dataclass(frozen=True)
class Table:
    """A downloadable table: its columns, in order, and how to make its rows."""

    columns: tuple[str, ...]
    rows: Callable[..., Rows]


def rows_to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows of plain values as CSV under a header row of `columns` (written even when there are no
    rows, so an empty table still says what it would hold); None (a withheld or missing value) is blank."""
    out = io.StringIO()
    writer = safe_writer(out, lineterminator="\n")  # every cell through the one safe-cell rule
    writer.writerow(columns)
    for row in rows:
        writer.writerow(_csv_cell(row.get(key)) for key in columns)
    return out.getvalue()


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value


# Tables a CSV download can name (pilot tables take the pilot from the URL).
FILTERED_TABLES: dict[str, Table] = {
    "dna-rate-by-quintile": Table(("imd_quintile", *RATE_COLUMNS), quintiles),
    "dna-rate-by-decile": Table(("imd_decile", *RATE_COLUMNS), deciles),
    "gap": Table(GAP_COLUMNS, gap_overall),
    "gap-by-specialty": Table(("specialty", *GAP_COLUMNS), gap_by("specialty")),
    "gap-by-site": Table(("site", *GAP_COLUMNS), gap_by("site")),
    "gap-over-time": Table(("month", *GAP_COLUMNS, *SPC_COLUMNS), gap_over_time),
    "dna-rate-over-time": Table(("month", *RATE_COLUMNS, *SPC_COLUMNS), dna_rate_over_time),
}
PILOT_TABLES: dict[str, Table] = {
    "arms": Table(ARMS_COLUMNS, pilot_arms),
    "support": Table(SUPPORT_COLUMNS, pilot_support),
}
