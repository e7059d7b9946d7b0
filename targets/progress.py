"""How a disparity target is doing: its gap month by month against its trajectory, as an XmR chart.

Nothing is computed here that reports already computes: the monthly gap (quintile 1 − quintile 5,
Newcombe's interval) and its chart come from reports.tables.gap_over_time_with_chart, cut by the
one Disclosure for the target's filters (reports.disclosure.report_disclosure). A specialty's or
site's target is the dashboard filtered to it, and withholds exactly what that publication
withholds; a division's is cut against its specialties' own pages (Disclosures._for_division). A
withheld month is a gap in the chart and is never judged.

Status, from the latest month whose gap may be shown:
  - "on_trajectory": its gap is at or below the trajectory for that month;
  - "off_trajectory": above it;
  - "not_known": no month can be shown (none happened, or all are suppressed), or a division
    without specialties.
Beside it, the SPC assurance icon says whether the process, as its limits stand, will meet the
trajectory's current value every month, never, or some months at random.
"""

from __future__ import annotations

from calendar import monthrange
from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from config.disclosure import Audience
from reports import tables
from reports.disclosure import Disclosure, Family, grouping_disclosure, report_disclosure
from reports.spc import ASSURANCE_ICONS, XmrChart
from targets.models import DisparityTarget, DivisionSpecialty, Scope

ON, OFF, NOT_KNOWN = "on_trajectory", "off_trajectory", "not_known"
STATUS_LABELS = {ON: "On trajectory", OFF: "Off trajectory", NOT_KNOWN: "Not known"}


def last_day_of(month: date) -> date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def month_of(label: str) -> date:
    """A report row's month ("2025-03") as the first day of that month."""
    year, month = label.split("-")
    return date(int(year), int(month), 1)


@dataclass(frozen=True)
class TargetProgress:
    target: DisparityTarget
    months: list[dict[str, Any]]  # the monthly gap rows as cut, with trajectory_points and on_trajectory
    chart: XmrChart
    status: str
    statements: list[str] = field(default_factory=list)
    latest: dict[str, Any] | None = None  # the latest month whose gap may be shown
    trajectory_now: Decimal | None = None  # the trajectory in the latest month charted

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def assurance(self) -> str | None:
        """ "pass", "fail" or "inconsistent" against the trajectory's current value, or None."""
        return self.chart.assurance_icon

    @property
    def assurance_text(self) -> str | None:
        return ASSURANCE_ICONS.get(self.assurance or "")

    def as_dict(self) -> dict[str, Any]:
        target = self.target
        return {
            "id": target.pk,
            "scope": target.scope,
            "name": target.name,
            "owner": target.owner.get_full_name() or target.owner.get_username(),
            "baseline_month": target.baseline_month.strftime("%Y-%m"),
            "baseline_gap_points": float(target.baseline_gap_points),
            "target_month": target.target_month.strftime("%Y-%m"),
            "target_gap_points": float(target.target_gap_points),
            "trajectory_now": None if self.trajectory_now is None else float(self.trajectory_now),
            "status": self.status,
            "status_label": self.status_label,
            "statements": self.statements,
            "latest_month": self.latest["month"] if self.latest else None,
            "latest_gap_points": self.latest["gap_points"] if self.latest else None,
            "assurance_icon": self.assurance,
            "assurance_icon_text": self.assurance_text,
            "months": self.months,
            "spc": self.chart.as_dict(),
        }


class Disclosures:
    """The disclosure decisions one request needs, each made once (a division's specialties are
    asked for again by every target that shares them, and by the specialty targets themselves)."""

    def __init__(self, audience: Audience, families: dict[tuple, Family] | None = None) -> None:
        self.audience = audience
        self._made: dict[tuple, Disclosure] = {}
        # One decision per period for all its pages (reports.disclosure.request_families: the request's).
        self._families: dict[tuple, Family] = {} if families is None else families

    def for_filters(self, filters: dict[str, Any]) -> Disclosure:
        key = tuple(sorted(filters.items()))
        if key not in self._made:
            self._made[key] = report_disclosure(self.audience, filters, families=self._families)
        return self._made[key]

    def for_target(self, target: DisparityTarget, filters: dict[str, Any]) -> Disclosure:
        if target.scope != Scope.DIVISION or not self.audience.suppressed:
            return self.for_filters(filters)
        return self._for_division(target, filters)

    def _for_division(self, target: DisparityTarget, filters: dict[str, Any]) -> Disclosure:
        """A division's cell (a month in quintile 1 or 5) is the sum of its specialties' cells, each
        published on that specialty's own dashboard for the same period, and with the other
        specialties' it makes the trust's. So it is decided with them: the division's months are
        cells of the period's one decision (reports.disclosure.Family, registered by division_groupings),
        withheld where small and where the sums would give a withheld cell back. A division with no
        appointments in the period shows nothing."""
        decided = grouping_disclosure(self.audience, ("division", target.division_id), filters, families=self._families)
        return decided if decided is not None else Disclosure(frozenset(), frozenset())


def division_groupings() -> dict[tuple, tuple[str, ...]]:
    """Every division's specialties (by treatment function code), for reports.disclosure."""
    groupings: dict[tuple, list[str]] = defaultdict(list)
    rows = DivisionSpecialty.objects.values_list("division_id", "specialty__treatment_function_code")
    for division, code in rows.order_by("division_id", "specialty__treatment_function_code"):
        groupings["division", division].append(code)
    return {key: tuple(codes) for key, codes in groupings.items()}


def target_progress(
    target: DisparityTarget, audience: Audience, *, up_to: date | None = None, disclosures: Disclosures | None = None
) -> TargetProgress:
    """The target's months up to the end of `up_to`'s month (all months if None), as `audience` may
    see them. Pass one `disclosures` for every target a page shows, so each decision is made once."""
    filters = target.report_filters()
    if up_to is not None:
        filters["date_to"] = last_day_of(up_to)
    disclosure = (disclosures or Disclosures(audience)).for_target(target, filters)
    # Each month is judged against its own point on the trajectory (below); the chart's one target
    # line, and so its assurance icon, is the trajectory in the latest month charted.
    rows, chart = tables.gap_over_time_with_chart(filters, disclosure, target_points=target.target_gap_points)
    last_month = month_of(rows[-1]["month"]) if rows else (up_to or timezone.localdate())
    trajectory_now = target.trajectory_at(last_month)
    chart = replace(chart, target=float(trajectory_now))
    months = [_against_trajectory(row, target) for row in rows]
    status, statements, latest = _judge(target, months)
    statements += chart.warnings
    return TargetProgress(target, months, chart, status, statements, latest, trajectory_now)


def _against_trajectory(row: dict[str, Any], target: DisparityTarget) -> dict[str, Any]:
    expected = target.trajectory_at(month_of(row["month"]))
    gap = row["gap_points"]
    # A withheld gap is judged against nothing: on_trajectory stays blank with it.
    return {
        **row,
        "target_points": float(expected),
        "meets_target": None if gap is None else gap <= float(expected),
        "on_trajectory": None if gap is None else gap <= float(expected),
    }


def _judge(target: DisparityTarget, months: list[dict[str, Any]]) -> tuple[str, list[str], dict[str, Any] | None]:
    if target.scope == Scope.DIVISION and not target.division.specialty_codes():
        return NOT_KNOWN, [f"{target.name} has no specialties yet: an admin adds them to the division."], None
    if not months:
        return NOT_KNOWN, [f"No appointments have happened for {target.name} yet."], None
    shown = [row for row in months if row["gap_points"] is not None]
    if not shown:
        return (
            NOT_KNOWN,
            [
                "No month's gap can be shown: each is suppressed (small numbers) or has no appointments in "
                "quintile 1 or quintile 5, so progress cannot be judged."
            ],
            None,
        )
    latest = shown[-1]
    statements = []
    if latest is not months[-1]:
        statements.append(
            f"The gap for {months[-1]['month']} cannot be shown (small numbers or no appointments in quintile 1 or 5); "
            f"the latest month shown is {latest['month']}."
        )
    word = "at or below" if latest["on_trajectory"] else "above"
    statements.insert(
        0,
        f"{latest['month']}: a gap of {latest['gap_points']:.1f} points, {word} the trajectory of "
        f"{latest['target_points']:.1f} points (target {target.target_gap_points} points by "
        f"{target.target_month:%B %Y}).",
    )
    return (ON if latest["on_trajectory"] else OFF), statements, latest
