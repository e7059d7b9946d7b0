"""The collaborative's figures, from its member trusts' current aggregate files, by the trusts' own
report code: the rate is a reports.selectors.RateRow, the gap a reports.selectors.GapRow (Wilson and
Newcombe intervals, reports.stats), the pilot effect reports.stats.mantel_haenszel, the chart
reports.spc.xmr_chart. Only the counts differ in where they come from: a trust's dashboard sums its
appointments, the hub sums the trust's published cells.

A cell the trust suppressed has no counts: it is left out of every sum and counted instead, so each
figure says how many of its cells are missing (`suppressed_cells`); nothing is imputed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from hub.models import MemberTrust, ReceivedFile, TrustFigure
from reports.selectors import LEAST_DEPRIVED, MOST_DEPRIVED, GapRow, RateRow, gap_of_quintiles
from reports.spc import XmrChart, xmr_chart
from reports.stats import Z95, Difference, StratifiedEffect, Stratum, mantel_haenszel

QUINTILE_TABLE = "month,imd_quintile"
SPECIALTY_TABLE = "month,imd_quintile,specialty"
PILOT_TABLE = "month,imd_quintile,pilot,arm"


@dataclass(frozen=True)
class Period:
    """Months inclusive (first days); None for no bound."""

    start: date | None = None
    end: date | None = None


def current_figures(table: str, period: Period = Period()) -> QuerySet[TrustFigure]:
    figures = TrustFigure.objects.filter(table=table, file__in=ReceivedFile.objects.current())
    if period.start:
        figures = figures.filter(month__gte=period.start)
    if period.end:
        figures = figures.filter(month__lte=period.end)
    return figures


def _grouped(figures: QuerySet[TrustFigure], *names: str) -> QuerySet:
    return (
        figures.values("trust_id", *names)
        .annotate(happened=Sum("happened"), dnas=Sum("dnas"), suppressed_cells=Count("id", filter=Q(suppressed=True)))
        .order_by()
    )


@dataclass
class TrustFigures:
    """One trust's DNA rate and gap over a period (or within one specialty), with what is missing."""

    trust: MemberTrust
    rate: RateRow
    gap: GapRow
    suppressed_cells: int = 0  # cells left out of the rate
    gap_suppressed_cells: int = 0  # of those, in quintile 1 or 5 (left out of the gap)
    months: list[date] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.suppressed_cells == 0

    @property
    def gap_complete(self) -> bool:
        return self.gap_suppressed_cells == 0


def trust_figures(period: Period = Period(), *, specialty: str | None = None) -> list[TrustFigures]:
    """Every member trust's rate and gap over the period, from the month × quintile table (or, for a
    specialty, the month × quintile × specialty table), in trust name order; trusts with no figures
    in the period are left out."""
    figures = current_figures(SPECIALTY_TABLE if specialty else QUINTILE_TABLE, period)
    if specialty:
        figures = figures.filter(specialty=specialty)
    by_trust: dict[int, dict[Any, dict[str, int]]] = defaultdict(dict)
    for row in _grouped(figures, "imd_quintile"):
        by_trust[row["trust_id"]][row["imd_quintile"]] = row
    months: dict[int, set[date]] = defaultdict(set)
    for trust_id, month in figures.values_list("trust_id", "month").distinct().order_by():
        months[trust_id].add(month)
    out = []
    for trust in MemberTrust.objects.filter(pk__in=by_trust.keys()).order_by("name"):
        quintiles = by_trust[trust.pk]
        rows = [
            RateRow({"imd_quintile": q}, appointments=int(r["happened"] or 0), dnas=int(r["dnas"] or 0))
            for q, r in quintiles.items()
        ]
        total = RateRow({}, appointments=sum(r.appointments for r in rows), dnas=sum(r.dnas for r in rows))
        out.append(
            TrustFigures(
                trust=trust,
                rate=total,
                gap=gap_of_quintiles(rows, None),
                suppressed_cells=sum(r["suppressed_cells"] for r in quintiles.values()),
                gap_suppressed_cells=sum(
                    quintiles.get(q, {}).get("suppressed_cells", 0) for q in (MOST_DEPRIVED, LEAST_DEPRIVED)
                ),
                months=sorted(months[trust.pk]),
            )
        )
    return out


def specialties_held(period: Period = Period()) -> list[str]:
    """The treatment function codes any member's specialty table holds in the period."""
    return sorted(set(current_figures(SPECIALTY_TABLE, period).values_list("specialty", flat=True).distinct()))


def months_held(period: Period = Period()) -> list[date]:
    """Every month from the first to the last any member holds, gaps included (for charts in time order)."""
    held = current_figures(QUINTILE_TABLE, period).values_list("month", flat=True).distinct()
    first, last = min(held, default=None), max(held, default=None)
    if first is None or last is None:
        return []
    months, month = [], first
    while month <= last:
        months.append(month)
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return months


@dataclass
class GapMonth:
    month: date
    gap: GapRow | None  # None: the trust sent no figures for the month
    suppressed: bool  # quintile 1 or 5 was suppressed by the trust this month

    @property
    def gap_points(self) -> float | None:
        if self.gap is None or self.suppressed:
            return None
        return self.gap.gap_points


@dataclass
class TrustGapOverTime:
    trust: MemberTrust
    months: list[GapMonth]
    chart: XmrChart


def gaps_over_time(period: Period = Period()) -> list[TrustGapOverTime]:
    """Each trust's gap month by month, with the Making Data Count XmR chart of it (lower is better).
    A month the trust did not send, or whose quintile 1 or 5 it suppressed, is a gap in the chart."""
    calendar = months_held(period)
    cells: dict[tuple[int, date], dict[int, dict[str, Any]]] = defaultdict(dict)
    figures = current_figures(QUINTILE_TABLE, period).filter(imd_quintile__in=(MOST_DEPRIVED, LEAST_DEPRIVED))
    for row in _grouped(figures, "month", "imd_quintile"):
        cells[row["trust_id"], row["month"]][row["imd_quintile"]] = row
    sent = set(current_figures(QUINTILE_TABLE, period).values_list("trust_id", "month").distinct().order_by())
    out = []
    for trust in MemberTrust.objects.filter(pk__in={t for t, _ in sent}).order_by("name"):
        months = []
        for month in calendar:
            if (trust.pk, month) not in sent:
                months.append(GapMonth(month, None, False))
                continue
            quintiles = cells.get((trust.pk, month), {})
            suppressed = any(quintiles.get(q, {}).get("suppressed_cells", 0) for q in (MOST_DEPRIVED, LEAST_DEPRIVED))
            rows = [
                RateRow({"imd_quintile": q}, appointments=int(r["happened"] or 0), dnas=int(r["dnas"] or 0))
                for q, r in quintiles.items()
            ]
            months.append(GapMonth(month, gap_of_quintiles(rows, None), suppressed))
        chart = xmr_chart(
            [m.gap_points for m in months], improvement="down", labels=[f"{m.month:%Y-%m}" for m in months]
        )
        out.append(TrustGapOverTime(trust, months, chart))
    return out


# --- Pilots across trusts ----------------------------------------------------------------------


def pilots_held(period: Period = Period()) -> list[str]:
    return sorted(set(current_figures(PILOT_TABLE, period).values_list("pilot", flat=True).distinct()))


@dataclass
class TrustPilotEffect:
    """One trust's pilot effect: intervention − control DNA rate, stratified by IMD quintile (Mantel–Haenszel,
    as the trust's own evaluation), with the cells the trust suppressed counted."""

    trust: MemberTrust
    effect: StratifiedEffect
    suppressed_cells: int

    @property
    def difference(self) -> Difference | None:
        return self.effect.risk_difference

    @property
    def variance(self) -> float | None:
        """The effect's variance, from its 95% interval (Sato's variance, as the interval was built)."""
        d = self.difference
        if d is None or d.high <= d.low:
            return None
        return ((d.high - d.low) / (2 * Z95)) ** 2


def pilot_effects(pilot: str, period: Period = Period()) -> list[TrustPilotEffect]:
    figures = current_figures(PILOT_TABLE, period).filter(pilot=pilot)
    cells: dict[int, dict[tuple[Any, str], dict[str, Any]]] = defaultdict(dict)
    for row in _grouped(figures, "imd_quintile", "arm"):
        cells[row["trust_id"]][row["imd_quintile"], row["arm"]] = row
    out = []
    for trust in MemberTrust.objects.filter(pk__in=cells.keys()).order_by("name"):
        table = cells[trust.pk]
        strata = []
        for quintile in sorted({q for q, _ in table}, key=lambda q: (q is None, q)):
            arms = {arm: table.get((quintile, arm), {}) for arm in ("intervention", "control")}
            n = {arm: (int(r.get("dnas") or 0), int(r.get("happened") or 0)) for arm, r in arms.items()}
            strata.append(Stratum(*n["intervention"], *n["control"], label=str(quintile or "not known")))
        suppressed = sum(r["suppressed_cells"] for r in table.values())
        out.append(TrustPilotEffect(trust, mantel_haenszel(strata), suppressed))
    return out
