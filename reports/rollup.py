"""The reports' rollup: happened appointments and DNAs per day, clinic and IMD decile.

Directors' figures change only when a nightly extract lands, so the dashboard's heaviest
reports (by quintile, decile, site, specialty, clinic, month, and the gap) read this
rollup — a few hundred thousand rows for a large trust — instead of joining millions of
appointments to their patients on every page view. The rollup is rebuilt in one
INSERT … SELECT after the nightly import (beat) and by `refresh_report_rollup`; until
it has been built once, every report reads the appointments directly.

Dimensions it cannot answer (age band, sex, ethnicity, arm) always read the appointments.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateField, F, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from appointments.models import Appointment, dna_count
from reports.models import DnaDailyCount, DnaMonthlyCount, DnaRollupBuild


def _source() -> QuerySet:
    return (
        Appointment.objects.happened()
        # Every column an expression, so the SELECT lists them in this order (the INSERT's order).
        .values(
            r_day=TruncDate("starts_at"),
            r_site=F("site_id"),
            r_specialty=F("specialty_id"),
            r_clinic=F("clinic_id"),
            r_decile=F("patient__imd_decile"),
        )
        .annotate(
            r_appointments=Sum(Value(1), output_field=IntegerField()),
            r_dnas=dna_count(),
        )
        .order_by()
    )


def _months() -> QuerySet:
    return (
        DnaDailyCount.objects.values(
            r_month=TruncMonth("day", output_field=DateField()),
            r_site=F("site_id"),
            r_specialty=F("specialty_id"),
            r_clinic=F("clinic_id"),
            r_decile=F("imd_decile"),
        )
        .annotate(r_appointments=Sum("appointments"), r_dnas=Sum("dnas"))
        .order_by()
    )


def _replace(model: type, columns: str, source: QuerySet) -> int:
    table = model._meta.db_table
    select_sql, params = source.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - the table name is the model's own
        cursor.execute(f"INSERT INTO {table} ({columns}) {select_sql}", params)
        return max(cursor.rowcount, 0)


@transaction.atomic
def rollup_rebuild() -> DnaRollupBuild:
    """Replace the rollup with fresh counts, in the database (one INSERT … SELECT)."""
    started = time.perf_counter()
    rows = _replace(DnaDailyCount, "day, site_id, specialty_id, clinic_id, imd_decile, appointments, dnas", _source())
    _replace(DnaMonthlyCount, "month, site_id, specialty_id, clinic_id, imd_decile, appointments, dnas", _months())
    return DnaRollupBuild.objects.create(built_at=timezone.now(), rows=rows, seconds=time.perf_counter() - started)


def latest_build() -> DnaRollupBuild | None:
    return DnaRollupBuild.objects.order_by("-built_at").first()


def covers_whole_months(date_from: date | None, date_to: date | None) -> bool:
    """Whether a period is whole calendar months (open ends count), so the monthly rollup can answer."""
    starts_a_month = date_from is None or date_from.day == 1
    ends_a_month = date_to is None or (date_to + timedelta(days=1)).day == 1
    return starts_a_month and ends_a_month


def rollup_can_answer(pilot: int | None) -> bool:
    """Whether the rollup may answer: it is switched on, built, and no pilot is asked for (the
    dimensions it holds are selectors.ROLLUP_EXPRESSIONS)."""
    if not settings.ATTEND_REPORTS_USE_ROLLUP or pilot:
        return False
    return DnaRollupBuild.objects.exists()
