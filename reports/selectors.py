"""DNA rates and the deprivation gap, aggregated in the database.

`dna_rates(by="imd_quintile")` is one GROUP BY query whatever the number of appointments:
every dimension (age band at the appointment, ethnic group, quintile, month…) is an SQL
expression, and only the grouped counts come back to Python, where the intervals are added.

Definitions (shared/DESIGN.md): DNA rate = DNAs ÷ (attended + DNAs) for appointments that
have happened; cancellations are in neither. Quintile 1 is the most deprived.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, CharField, DateField, F, QuerySet, Sum, Value, When
from django.db.models.expressions import Expression
from django.db.models.functions import TruncMonth
from django.db.models.lookups import IsNull, LessThanOrEqual

from appointments.models import Appointment, age_on_day_expression, dna_count
from config.disclosure import rate_is_disclosive
from config.localtime import local_day_bounds
from patients.deprivation.quintiles import imd_quintile_expression
from patients.models import AGE_BANDS, ETHNIC_GROUPS
from reports.models import DisparityTarget, DnaDailyCount, DnaMonthlyCount
from reports.rollup import covers_whole_months, rollup_can_answer
from reports.stats import Difference, Interval, Ratio, newcombe_difference, relative_risk, wilson_interval

MOST_DEPRIVED, LEAST_DEPRIVED = 1, 5
NOT_KNOWN = "Not known"


def _age_band() -> Expression:
    age = age_on_day_expression()
    return Case(
        When(IsNull(age, True), then=Value(NOT_KNOWN)),
        *(When(LessThanOrEqual(age, high), then=Value(label)) for label, _, high in AGE_BANDS),
        default=Value(AGE_BANDS[-1][0]),
        output_field=CharField(),
    )


def _ethnic_group() -> Expression:
    groups: dict[str, list[str]] = {}
    for code, group in ETHNIC_GROUPS.items():
        groups.setdefault(group, []).append(code)
    return Case(
        *(When(patient__ethnic_category__in=codes, then=Value(group)) for group, codes in groups.items()),
        default=Value(NOT_KNOWN),
        output_field=CharField(),
    )


DIMENSIONS: dict[str, Any] = {
    "imd_quintile": lambda: imd_quintile_expression("patient__imd_decile"),
    "imd_decile": lambda: F("patient__imd_decile"),
    "age_band": _age_band,
    "sex": lambda: F("patient__sex"),
    "ethnicity": _ethnic_group,
    "specialty": lambda: F("specialty__name"),
    "clinic": lambda: F("clinic__name"),
    "site": lambda: F("site__name"),
    "month": lambda: TruncMonth("starts_at", output_field=DateField()),
    "arm": lambda: F("allocation__arm"),
}


# The same dimensions over the rollup (outreach/reports/rollup.py), where it can answer.
ROLLUP_EXPRESSIONS: dict[str, Any] = {
    "imd_quintile": lambda: imd_quintile_expression("imd_decile"),
    "imd_decile": lambda: F("imd_decile"),
    "specialty": lambda: F("specialty__name"),
    "clinic": lambda: F("clinic__name"),
    "site": lambda: F("site__name"),
    "month": lambda: TruncMonth("day", output_field=DateField()),
}


class UnknownDimension(ValueError):
    pass


@dataclass(frozen=True)
class RateRow:
    """One group's DNA rate: its dimension values, counts and 95% Wilson interval."""

    groups: dict[str, Any]
    appointments: int  # attended + DNA
    dnas: int

    @property
    def rate(self) -> float | None:
        return self.dnas / self.appointments if self.appointments else None

    @property
    def interval(self) -> Interval | None:
        return wilson_interval(self.dnas, self.appointments)

    @property
    def disclosive(self) -> bool:
        return rate_is_disclosive(self.dnas, self.appointments)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON/CSV, every figure as it is: what an audience may see of them is
        decided where they leave (reports.disclosure)."""
        groups = {name: _plain(value) for name, value in self.groups.items()}
        interval = self.interval
        return {
            **groups,
            "appointments": self.appointments,
            "dnas": self.dnas,
            "dna_rate": self.rate,
            "ci_low": interval.low if interval else None,
            "ci_high": interval.high if interval else None,
            "suppressed": False,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.strftime("%Y-%m")
    return value


@dataclass(frozen=True)
class ReportFilter:
    """The filters every report takes: local dates inclusive, an ODS site code, a treatment function
    code (or several: a division's specialties, as a tuple)."""

    date_from: date | None = None
    date_to: date | None = None
    site: str | None = None
    specialty: str | Sequence[str] | None = None
    pilot: int | None = None

    def apply(self, appointments: QuerySet[Appointment]) -> QuerySet[Appointment]:
        if self.date_from:
            appointments = appointments.filter(starts_at__gte=local_day_bounds(self.date_from)[0])
        if self.date_to:
            appointments = appointments.filter(starts_at__lt=local_day_bounds(self.date_to)[1])
        if self.site:
            appointments = appointments.filter(site__ods_code=self.site)
        if self.specialty is not None:  # an empty tuple (a division without specialties) selects nothing
            appointments = appointments.filter(specialty__treatment_function_code__in=specialty_codes(self.specialty))
        if self.pilot:
            appointments = appointments.filter(allocation__pilot_id=self.pilot)
        return appointments


def specialty_codes(specialty: str | Sequence[str]) -> list[str]:
    """One treatment function code, or several (a division's), as a list."""
    return [specialty] if isinstance(specialty, str) else list(specialty)


def dna_rates(
    by: str,
    by2: str | None = None,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    site: str | None = None,
    specialty: str | Sequence[str] | None = None,
    pilot: int | None = None,
) -> list[RateRow]:
    """DNA rate by one dimension, or two crossed, in one aggregate query.

    Read from the rollup when it has been built and can answer (see rollup.py), else from the appointments.
    """
    if by2 == by:
        raise UnknownDimension("The two dimensions must differ.")
    names = [by] if by2 is None else [by, by2]
    return dna_rates_by(names, date_from=date_from, date_to=date_to, site=site, specialty=specialty, pilot=pilot)


def dna_rates_by(
    names: Sequence[str],
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    site: str | None = None,
    specialty: str | Sequence[str] | None = None,
    pilot: int | None = None,
) -> list[RateRow]:
    """DNA rate by any number of dimensions crossed, in one aggregate query (dna_rates' engine; the
    disclosure decision reads every filtered page's tables from a few of these)."""
    names = list(names)
    unknown = [name for name in names if name not in DIMENSIONS]
    if unknown:
        raise UnknownDimension(f"Cannot report by {', '.join(unknown)}; choose from {', '.join(DIMENSIONS)}.")
    if len(set(names)) != len(names):
        raise UnknownDimension("The dimensions must differ.")
    if set(names) <= ROLLUP_EXPRESSIONS.keys() and rollup_can_answer(pilot):
        grouped = _from_rollup(names, ReportFilter(date_from, date_to, site, specialty))
    else:
        appointments = ReportFilter(date_from, date_to, site, specialty, pilot).apply(Appointment.objects.happened())
        grouped = (
            appointments.annotate(**{f"g_{name}": DIMENSIONS[name]() for name in names})
            .values(*(f"g_{name}" for name in names))
            .annotate(
                n_happened=Sum(Value(1)),
                n_dna=dna_count(),
            )
            .order_by(*(F(f"g_{name}").asc(nulls_last=True) for name in names))
        )
    return [
        RateRow(
            groups={name: row[f"g_{name}"] for name in names},
            appointments=int(row["n_happened"]),
            dnas=int(row["n_dna"]),
        )
        for row in grouped
    ]


def _from_rollup(names: list[str], filters: ReportFilter) -> QuerySet:
    """The grouped counts from the monthly rollup when the period is whole months, else the daily one."""
    monthly = covers_whole_months(filters.date_from, filters.date_to)
    counts = DnaMonthlyCount.objects.all() if monthly else DnaDailyCount.objects.all()
    period = "month" if monthly else "day"
    if filters.date_from:
        counts = counts.filter(**{f"{period}__gte": filters.date_from})
    if filters.date_to:
        counts = counts.filter(**{f"{period}__lte": filters.date_to})
    expressions = {**ROLLUP_EXPRESSIONS, "month": (lambda: F("month")) if monthly else ROLLUP_EXPRESSIONS["month"]}
    if filters.site:
        counts = counts.filter(site__ods_code=filters.site)
    if filters.specialty is not None:
        counts = counts.filter(specialty__treatment_function_code__in=specialty_codes(filters.specialty))
    return (
        counts.annotate(**{f"g_{name}": expressions[name]() for name in names})
        .values(*(f"g_{name}" for name in names))
        .annotate(n_happened=Sum("appointments"), n_dna=Sum("dnas"))
        .order_by(*(F(f"g_{name}").asc(nulls_last=True) for name in names))
    )


# --- The gap -----------------------------------------------------------------------------


def current_target() -> DisparityTarget | None:
    return DisparityTarget.objects.order_by("-set_at", "-id").first()


@dataclass(frozen=True)
class GapRow:
    """Quintile 1 − quintile 5 for one group (or overall), with Newcombe's interval and the ratio."""

    groups: dict[str, Any]
    most_deprived: RateRow
    least_deprived: RateRow
    target_points: Decimal | None = None
    difference: Difference | None = field(init=False)
    ratio: Ratio | None = field(init=False)

    def __post_init__(self) -> None:
        q1, q5 = self.most_deprived, self.least_deprived
        object.__setattr__(self, "difference", newcombe_difference(q1.dnas, q1.appointments, q5.dnas, q5.appointments))
        object.__setattr__(self, "ratio", relative_risk(q1.dnas, q1.appointments, q5.dnas, q5.appointments))

    @property
    def gap_points(self) -> float | None:
        return None if self.difference is None else 100 * self.difference.estimate

    @property
    def meets_target(self) -> bool | None:
        if self.target_points is None or self.gap_points is None:
            return None
        return self.gap_points <= float(self.target_points)

    def as_dict(self) -> dict[str, Any]:
        """Every figure as it is (reports.disclosure cuts them for an audience)."""
        groups = {name: _plain(value) for name, value in self.groups.items()}
        q1 = self.most_deprived.as_dict()
        q5 = self.least_deprived.as_dict()
        target = None if self.target_points is None else float(self.target_points)
        base = {
            **groups,
            "q1_appointments": q1["appointments"],
            "q1_dnas": q1["dnas"],
            "q1_dna_rate": q1["dna_rate"],
            "q5_appointments": q5["appointments"],
            "q5_dnas": q5["dnas"],
            "q5_dna_rate": q5["dna_rate"],
            "target_points": target,
        }
        if self.difference is None:
            return {**base, "gap_points": None, "gap_ci_low": None, "gap_ci_high": None, "ratio": None,
                    "ratio_ci_low": None, "ratio_ci_high": None, "meets_target": None,
                    "suppressed": False}  # fmt: skip
        ratio = self.ratio
        return {
            **base,
            "gap_points": 100 * self.difference.estimate,
            "gap_ci_low": 100 * self.difference.low,
            "gap_ci_high": 100 * self.difference.high,
            "ratio": ratio.estimate if ratio else None,
            "ratio_ci_low": ratio.low if ratio else None,
            "ratio_ci_high": ratio.high if ratio else None,
            "meets_target": self.meets_target,
            "suppressed": False,
        }


def _gaps(rows: Iterable[RateRow], by: str | None, target: Decimal | None) -> list[GapRow]:
    by_group: dict[Any, dict[int, RateRow]] = {}
    for row in rows:
        key = row.groups.get(by) if by else None
        by_group.setdefault(key, {})[row.groups["imd_quintile"]] = row
    if by is None:
        by_group.setdefault(None, {})  # overall: one row even when nothing has happened yet
    gaps = []
    for key, quintiles in by_group.items():
        groups = {by: key} if by else {}
        # A quintile with no appointments is a row of zeros, keyed like the rows it stands for.
        empty = {
            q: RateRow({**groups, "imd_quintile": q}, appointments=0, dnas=0) for q in (MOST_DEPRIVED, LEAST_DEPRIVED)
        }
        gaps.append(
            GapRow(
                groups=groups,
                most_deprived=quintiles.get(MOST_DEPRIVED, empty[MOST_DEPRIVED]),
                least_deprived=quintiles.get(LEAST_DEPRIVED, empty[LEAST_DEPRIVED]),
                target_points=target,
            )
        )
    return gaps


def gap_of_quintiles(rows: Iterable[RateRow], target_points: Decimal | None) -> GapRow:
    """The overall gap from rates already grouped by IMD quintile (what dna_gap() would query again)."""
    return _gaps(rows, None, target_points)[0]


def dna_gap(
    by: str | None = None,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    site: str | None = None,
    specialty: str | Sequence[str] | None = None,
    target_points: Decimal | None = None,
) -> list[GapRow]:
    """The gap overall (`by=None`, one row), or per specialty, site or month, against the target.

    The target is the one given, else the director's current DisparityTarget (if any).
    """
    if by is not None and by not in DIMENSIONS:
        raise UnknownDimension(f"Cannot report the gap by {by}.")
    if target_points is None:
        target = current_target()
        target_points = target.gap_points if target else None
    if by is None:
        rows = dna_rates("imd_quintile", date_from=date_from, date_to=date_to, site=site, specialty=specialty)
    else:
        rows = dna_rates(by, "imd_quintile", date_from=date_from, date_to=date_to, site=site, specialty=specialty)
    return _gaps(rows, by, target_points)


# --- Over time ---------------------------------------------------------------------------


def monthly_gaps(*, target_points: Decimal | None = None, **filters: Any) -> list[GapRow]:
    """The gap month by month, in time order (the SPC chart is drawn from what may be shown of it)."""
    gaps = dna_gap("month", target_points=target_points, **filters)
    return sorted(gaps, key=lambda gap: gap.groups["month"])
