"""The reports' rollup: happened appointments and DNAs per day, clinic and IMD decile.

Directors' figures change only when a nightly extract lands, so the dashboard's heaviest
reports (by quintile, decile, site, specialty, clinic, month, and the gap) read this
rollup — a few hundred thousand rows for a large trust — instead of joining millions of
appointments to their patients on every page view. Until it has been built once, every
report reads the appointments directly. Dimensions it cannot answer (age band, sex,
ethnicity, arm) always read the appointments.

Two ways to bring it up to date, with the same result (tests/reports/test_rollup_incremental.py):

- `rollup_rebuild()` (`refresh_report_rollup --full`): every row replaced, in one
  INSERT … SELECT per table.
- `rollup_refresh()` (after each import, and the nightly beat task): only the days whose
  figures may have changed since the last build are deleted and inserted again from the
  appointments, then the months they fall in. A day is touched when
    1. an appointment on it was created or updated since the last build (`updated_at`:
       both importers stamp the rows they rewrite, and rewrite only rows that changed);
    2. a patient with a happened appointment on it now has another IMD decile than the
       rollup counted them with (DnaRollupDecile; `import_deprivation --refresh-patients`
       changes deciles without stamping `updated_at`, so the stamp cannot tell). Moving
       house re-files a patient's whole history, which would touch most days in a large
       trust every night, so such appointments are instead moved between deciles in the
       rows they are counted in (`_shift_deciles`) — unless there are more than SHIFT_LIMIT of
       them (a new IMD vintage), when their days are recomputed;
    3. its totals (appointments, DNAs) in the rollup differ from the appointments': the
       day an appointment was moved away from, or deleted from, keeps no stamp of it,
       but it has lost a row the rollup still counts. Whatever entered such a day instead
       was itself written, so rule 1 finds the day even when the totals balance.
  A refresh that would touch most days rebuilds in full instead (the same rows, faster).
  What it relies on: a write that changes an appointment's site, specialty, clinic or
  outcome class without changing its day's totals stamps `updated_at` (save(), both
  importers and bulk_create with update_fields do; a queryset .update() or bulk_update
  must name it). After changing TIME_ZONE, rebuild in full.

Which writes are "since the last build" is read from `updated_at`, so each build records
`changes_from`: the start of the oldest transaction still open when it read (on
PostgreSQL a row's `updated_at` is its transaction's start, and a transaction open then
may commit after the build), less CLOCK_MARGIN for the web servers' clocks. PostgreSQL
shows another session's transaction start only to the same database role, so web,
workers and beat must share one, as docker-compose.yml has them. Every build locks the
rollup against another and reads one snapshot (REPEATABLE READ on PostgreSQL), so its
"as of" time (`built_at`, taken before it reads) is honest.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from functools import reduce
from operator import or_

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, DateField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from appointments.models import Appointment, dna_count
from config.localtime import local_midnight
from patients.models import Patient
from reports.models import DnaDailyCount, DnaMonthlyCount, DnaRollupBuild, DnaRollupDecile, RollupKind

# How far a web server's clock (which stamps `updated_at` on an ORM save) may lag the database's.
CLOCK_MARGIN = timedelta(seconds=5)
# Above this share of the rollup's days touched, a full rebuild is quicker than day by day.
FULL_REBUILD_SHARE = 0.5
# Above this many patients changing decile, recomputing their days beats moving their appointments.
SHIFT_LIMIT = 5_000
DAILY_COLUMNS = "day, site_id, specialty_id, clinic_id, imd_decile, appointments, dnas"
MONTHLY_COLUMNS = "month, site_id, specialty_id, clinic_id, imd_decile, appointments, dnas"
DayRanges = list[tuple[date, date]]


def _local_day() -> TruncDate:
    """An appointment's local date: the rollup's `day`, and how touched days are named."""
    return TruncDate("starts_at")


def _source(days: DayRanges | None = None) -> QuerySet:
    appointments = Appointment.objects.happened()
    if days is not None:
        appointments = appointments.filter(_starts_within(days))
    return (
        # Every column an expression, so the SELECT lists them in this order (the INSERT's order).
        appointments.values(
            r_day=_local_day(),
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


def _months(months: DayRanges | None = None) -> QuerySet:
    daily = DnaDailyCount.objects.all()
    if months is not None:
        daily = daily.filter(_within("day", months))
    return (
        daily.values(
            r_month=TruncMonth("day", output_field=DateField()),
            r_site=F("site_id"),
            r_specialty=F("specialty_id"),
            r_clinic=F("clinic_id"),
            r_decile=F("imd_decile"),
        )
        .annotate(r_appointments=Sum("appointments"), r_dnas=Sum("dnas"))
        .order_by()
    )


def _counted_deciles() -> QuerySet:
    return Patient.objects.values(r_patient=F("pk"), r_decile=Coalesce("imd_decile", 0))


def _insert(model: type, columns: str, source: QuerySet) -> int:
    select_sql, params = source.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {model._meta.db_table} ({columns}) {select_sql}", params)
        return max(cursor.rowcount, 0)


def _delete(rows: QuerySet) -> None:
    """One DELETE … WHERE: nothing refers to rollup rows, so there is nothing for Django to collect."""
    rows._raw_delete(rows.db)


def _replace_all(model: type, columns: str, source: QuerySet) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {model._meta.db_table}")  # noqa: S608 - the table name is the model's own
    return _insert(model, columns, source)


# --- which days ------------------------------------------------------------------------------
def day_ranges(days: Iterable[date]) -> DayRanges:
    """Days as runs of consecutive days, (first, last) inclusive: a few range conditions, not one per day."""
    runs: DayRanges = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _within(field: str, ranges: DayRanges) -> Q:
    return reduce(or_, (Q(**{f"{field}__range": run}) for run in ranges))


def _starts_within(ranges: DayRanges) -> Q:
    """Appointments starting on these local days: from the first's midnight to the midnight after the last."""
    return reduce(
        or_,
        (Q(starts_at__gte=local_midnight(a), starts_at__lt=local_midnight(b + timedelta(days=1))) for a, b in ranges),
    )


def _days_of(appointments: QuerySet) -> set[date]:
    return set(appointments.values_list(_local_day(), flat=True).distinct().order_by())


def _written_days(since: datetime) -> set[date]:
    """Rule 1: the (new) days of appointments created or updated since `since`."""
    return _days_of(Appointment.objects.filter(updated_at__gte=since))


def _recounted_sql(columns: str) -> str:
    """Patients the rollup counted in another decile than theirs now. A patient new since the last
    build has no row to differ: each of their appointments was written since, and rule 1 has its day."""
    counted, patients = DnaRollupDecile._meta.db_table, Patient._meta.db_table
    return f"""
        SELECT {columns} FROM {counted} c JOIN {patients} p ON p.id = c.patient_id
        WHERE c.imd_decile <> COALESCE(p.imd_decile, 0)
    """  # noqa: S608 (the models' table names and this module's column lists)


def _decile_changes() -> dict[int, tuple[int, int]] | None:
    """Patient id → (decile counted, decile now; 0 for none) for each patient whose decile changed,
    or None when more than SHIFT_LIMIT did (a new IMD vintage)."""
    with connection.cursor() as cursor:
        cursor.execute(
            _recounted_sql("c.patient_id, c.imd_decile, COALESCE(p.imd_decile, 0)") + " LIMIT %s", [SHIFT_LIMIT + 1]
        )
        rows = cursor.fetchall()
    return None if len(rows) > SHIFT_LIMIT else {patient: (was, now) for patient, was, now in rows}


def _recounted_days() -> set[date]:
    """Rule 2 by whole days: every day with a happened appointment of a patient whose decile changed."""
    recounted = RawSQL(_recounted_sql("c.patient_id"), ())  # noqa: S611 (no values, only the models' names)
    return _days_of(Appointment.objects.happened().filter(patient_id__in=recounted))


def _decile_shifts(changes: dict[int, tuple[int, int]]) -> list[tuple]:
    """Rule 2 as moves: the happened appointments of the patients in `changes`, grouped as the rollup
    counts them, each with the decile it was counted in and the decile it belongs in now."""
    shifts, patients = [], list(changes)
    for first in range(0, len(patients), 500):  # an IN list every database accepts
        rows = (
            Appointment.objects.happened()
            .filter(patient_id__in=patients[first : first + 500])
            .values(
                r_day=_local_day(),
                r_site=F("site_id"),
                r_specialty=F("specialty_id"),
                r_clinic=F("clinic_id"),
                r_patient=F("patient_id"),
            )
            .annotate(n=Count("pk"), d=dna_count())
            .values_list("r_day", "r_site", "r_specialty", "r_clinic", "r_patient", "n", "d")
            .order_by()
        )
        shifts += [
            (day, site, spec, clinic, *changes[patient], n, d) for day, site, spec, clinic, patient, n, d in rows
        ]
    return shifts


def _shift_deciles(shifts: list[tuple], *, recomputed: set[date]) -> tuple[set[date], set[date]]:
    """Move the appointments in `shifts` from the decile counted to the decile now, on the days not
    being recomputed anyway. Returns the days whose rows changed (their months need summing again)
    and the days it could not shift (a row would go below zero: the recorded decile was not where
    the rollup counted them), which must be recomputed whole."""
    change: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for day, site, specialty, clinic, was, now, appointments, dnas in shifts:
        if day in recomputed:
            continue
        for decile, sign in ((was, -1), (now, 1)):
            counts = change[(day, site, specialty, clinic, decile or None)]
            counts[0] += sign * appointments
            counts[1] += sign * dnas
    change = {key: counts for key, counts in change.items() if counts != [0, 0]}
    if not change:
        return set(), set()
    held = {
        (day, site, specialty, clinic, decile): (pk, appointments, dnas)
        for pk, day, site, specialty, clinic, decile, appointments, dnas in DnaDailyCount.objects.filter(
            _within("day", day_ranges({key[0] for key in change}))
        ).values_list("pk", "day", "site_id", "specialty_id", "clinic_id", "imd_decile", "appointments", "dnas")
    }
    rows = {}
    for key, (appointments, dnas) in change.items():
        pk, had, had_dnas = held.get(key, (None, 0, 0))
        rows[key] = DnaDailyCount(pk=pk, appointments=had + appointments, dnas=had_dnas + dnas)
    unshiftable = {key[0] for key, row in rows.items() if not 0 <= row.dnas <= row.appointments}
    updated, created, emptied = [], [], []
    for key, row in rows.items():
        if key[0] in unshiftable:
            continue
        if row.pk is None:
            row.day, row.site_id, row.specialty_id, row.clinic_id, row.imd_decile = key
            created.append(row)
        elif row.appointments == 0:
            emptied.append(row.pk)
        else:
            updated.append(row)
    DnaDailyCount.objects.bulk_update(updated, ["appointments", "dnas"], batch_size=1000)
    DnaDailyCount.objects.bulk_create(created, batch_size=1000)
    for first in range(0, len(emptied), 500):
        _delete(DnaDailyCount.objects.filter(pk__in=emptied[first : first + 500]))
    return {key[0] for key in rows} - unshiftable, unshiftable


def _disagreeing_days() -> set[date]:
    """Rule 3: days whose totals in the rollup differ from the appointments' (one pass over an index)."""
    source = {
        day: (appointments, dnas)
        for day, appointments, dnas in Appointment.objects.happened()
        .values(r_day=_local_day())
        .annotate(n=Count("pk"), d=dna_count())
        .values_list("r_day", "n", "d")
        .order_by()
    }
    rolled = {
        day: (appointments, dnas)
        for day, appointments, dnas in DnaDailyCount.objects.values("day")
        .annotate(n=Sum("appointments"), d=Sum("dnas"))
        .values_list("day", "n", "d")
        .order_by()
    }
    return {day for day in source.keys() | rolled.keys() if source.get(day) != rolled.get(day)}


def touched_days(since: datetime) -> set[date]:
    """The local days to recompute whole: those written or disagreeing (rules 1 and 3, module docstring)."""
    return _written_days(since) | _disagreeing_days()


# --- building --------------------------------------------------------------------------------
@contextmanager
def _build_transaction():
    """One transaction, one snapshot of the appointments, and no other build at the same time.

    The lock lets the dashboard go on reading the rollup while it is rebuilt. REPEATABLE READ
    is set only when this is the outermost transaction (PostgreSQL allows it nowhere else)."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                if outermost:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                cursor.execute(f"LOCK TABLE {DnaDailyCount._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
        yield


def _changes_from(built_at: datetime) -> datetime:
    """Where the next refresh looks for written appointments: before anything this build may not have seen."""
    oldest = built_at
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Includes this transaction: nested in a caller's, it sees that caller's writes, stamped at its start.
            cursor.execute(
                "SELECT min(xact_start) FROM pg_stat_activity "
                "WHERE datname = current_database() AND xact_start IS NOT NULL"
            )
            (open_since,) = cursor.fetchone()
        if open_since is not None:
            oldest = min(oldest, open_since)
    return oldest - CLOCK_MARGIN


def _rebuild_all() -> int:
    _replace_all(DnaRollupDecile, "patient_id, imd_decile", _counted_deciles())
    rows = _replace_all(DnaDailyCount, DAILY_COLUMNS, _source())
    _replace_all(DnaMonthlyCount, MONTHLY_COLUMNS, _months())
    return rows


def _recompute_days(days: set[date]) -> None:
    """Delete the daily rows of `days` and insert them again from the appointments."""
    ranges = day_ranges(days)
    _delete(DnaDailyCount.objects.filter(_within("day", ranges)))
    _insert(DnaDailyCount, DAILY_COLUMNS, _source(ranges))


def _recompute_months(days: set[date]) -> None:
    """Sum the monthly rows of the months `days` fall in again from the daily rows."""
    months = [(first.replace(day=1), _month_end(last)) for first, last in day_ranges(_month_days(days))]
    _delete(DnaMonthlyCount.objects.filter(_within("month", months)))
    _insert(DnaMonthlyCount, MONTHLY_COLUMNS, _months(months))


def _recount_deciles(changes: dict[int, tuple[int, int]] | None) -> None:
    """Record the deciles now counted: those in `changes` (None: drop every row that disagrees, or
    whose patient is gone), and the patients new since."""
    if changes is None:
        now_counted = Patient.objects.annotate(d=Coalesce("imd_decile", 0)).filter(
            pk=OuterRef("patient_id"), d=OuterRef("imd_decile")
        )
        _delete(DnaRollupDecile.objects.filter(~Exists(now_counted)))
    else:
        patients = list(changes)
        for first in range(0, len(patients), 500):
            _delete(DnaRollupDecile.objects.filter(patient_id__in=patients[first : first + 500]))
    recorded = DnaRollupDecile.objects.filter(patient_id=OuterRef("pk"))
    _insert(DnaRollupDecile, "patient_id, imd_decile", _counted_deciles().filter(~Exists(recorded)))


def _month_days(days: Iterable[date]) -> set[date]:
    """Every day of the months `days` fall in, so consecutive months merge into one range."""
    months = {day.replace(day=1) for day in days}
    return {month + timedelta(days=n) for month in months for n in range((_month_end(month) - month).days + 1)}


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def _record(
    kind: str, *, built_at: datetime, changes_from: datetime, started: float, days: int | None
) -> DnaRollupBuild:
    return DnaRollupBuild.objects.create(
        built_at=built_at,
        changes_from=changes_from,
        kind=kind,
        days=days,
        rows=DnaDailyCount.objects.count(),
        seconds=time.perf_counter() - started,
    )


def rollup_rebuild() -> DnaRollupBuild:
    """Replace the whole rollup with fresh counts, in the database (one INSERT … SELECT per table)."""
    started = time.perf_counter()
    with _build_transaction():
        built_at = timezone.now()
        changes_from = _changes_from(built_at)
        _rebuild_all()
        return _record(RollupKind.FULL, built_at=built_at, changes_from=changes_from, started=started, days=None)


def rollup_refresh() -> DnaRollupBuild:
    """Bring the rollup up to date by recomputing only the days touched since the last build.

    The first build, or one after a rollup built before builds recorded `changes_from`, is full."""
    started = time.perf_counter()
    with _build_transaction():
        built_at = timezone.now()
        changes_from = _changes_from(built_at)
        last = latest_build()
        if last is None or last.changes_from is None:
            _rebuild_all()
            return _record(RollupKind.FULL, built_at=built_at, changes_from=changes_from, started=started, days=None)
        days = touched_days(since=last.changes_from)
        changes = _decile_changes()
        if changes is None:  # most patients have a new decile (a new IMD): recount their days whole
            days |= _recounted_days()
        if len(days) > FULL_REBUILD_SHARE * DnaDailyCount.objects.values("day").distinct().count():
            _rebuild_all()
            return _record(RollupKind.FULL, built_at=built_at, changes_from=changes_from, started=started, days=None)
        shifted, unshiftable = _shift_deciles(_decile_shifts(changes) if changes else [], recomputed=days)
        days |= unshiftable
        if days:
            _recompute_days(days)
        if days | shifted:
            _recompute_months(days | shifted)
        _recount_deciles(changes)
        return _record(
            RollupKind.INCREMENTAL, built_at=built_at, changes_from=changes_from, started=started, days=len(days)
        )


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
