"""The aggregate export's count tables, counted in the database with the reports' own definitions.

Each table is one GROUP BY over the appointments of the period that happened or were cancelled:
`happened` (attended + DNA, the DNA rate's denominator), `dnas` (appointments.models.dna_count)
and `cancelled`, grouped by the reports' dimension expressions (reports.selectors.DIMENSIONS:
the month in local time, the IMD quintile and decile, the age band on the day, sex, the ethnic
group, the pilot arm). Only specialty and site are keyed differently from the dashboard: by
treatment function code and ODS site code, which mean the same thing at every trust (names do not).

The tables (docs/aggregates/attend-aggregates-v1.schema.json): month × IMD quintile, month × IMD
decile, month × IMD quintile × one of specialty, site, age band, sex, ethnic group, and
month × IMD quintile × pilot × arm; never a fuller cross.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, F, Q
from django.db.models.expressions import Expression

from appointments.models import CANCELLED_CODES, HAPPENED_CODES, Appointment, dna_count
from reports.selectors import DIMENSIONS, ReportFilter

# The one more dimension a table may have beside month and IMD quintile (schema: $defs/table).
ONE_MORE = ("specialty", "site", "age_band", "sex", "ethnic_group")
PILOT_ARM = ("pilot", "arm")

TABLES: tuple[tuple[str, ...], ...] = (
    ("month", "imd_quintile"),
    ("month", "imd_decile"),
    *(("month", "imd_quintile", dimension) for dimension in ONE_MORE),
    ("month", "imd_quintile", *PILOT_ARM),
)

EXPRESSIONS: dict[str, Callable[[], Expression]] = {
    "month": DIMENSIONS["month"],
    "imd_quintile": DIMENSIONS["imd_quintile"],
    "imd_decile": DIMENSIONS["imd_decile"],
    "specialty": lambda: F("specialty__treatment_function_code"),
    "site": lambda: F("site__ods_code"),
    "age_band": DIMENSIONS["age_band"],
    "sex": DIMENSIONS["sex"],
    "ethnic_group": DIMENSIONS["ethnicity"],
    "pilot": lambda: F("allocation__pilot__name"),
    "arm": DIMENSIONS["arm"],
}


@dataclass(frozen=True)
class Counts:
    """One row of a table: its dimension values (month as YYYY-MM) and its three counts."""

    groups: dict[str, Any]
    happened: int
    dnas: int
    cancelled: int

    @property
    def size(self) -> int:
        return self.happened + self.cancelled


def count_table(by: tuple[str, ...], *, date_from: date, date_to: date) -> list[Counts]:
    """One table's rows for the local days `date_from` to `date_to` inclusive, in one query."""
    appointments = ReportFilter(date_from, date_to).apply(
        Appointment.objects.happened() | Appointment.objects.cancelled()
    )
    if "pilot" in by:
        appointments = appointments.filter(allocation__isnull=False)
    grouped = (
        appointments.annotate(**{f"g_{name}": EXPRESSIONS[name]() for name in by})
        .values(*(f"g_{name}" for name in by))
        .annotate(
            n_happened=Count("pk", filter=Q(attendance_code__in=HAPPENED_CODES)),
            n_dnas=dna_count(),
            n_cancelled=Count("pk", filter=Q(attendance_code__in=CANCELLED_CODES)),
        )
        .order_by(*(F(f"g_{name}").asc(nulls_first=True) for name in by))
    )
    return [
        Counts(
            groups={name: _plain(row[f"g_{name}"]) for name in by},
            happened=int(row["n_happened"]),
            dnas=int(row["n_dnas"]),
            cancelled=int(row["n_cancelled"]),
        )
        for row in grouped
    ]


def count_tables(*, date_from: date, date_to: date) -> dict[tuple[str, ...], list[Counts]]:
    """Every table of the export, unsuppressed (what disclosure control is applied to)."""
    return {by: count_table(by, date_from=date_from, date_to=date_to) for by in TABLES}


def _plain(value: Any) -> Any:
    return value.strftime("%Y-%m") if isinstance(value, date) else value
