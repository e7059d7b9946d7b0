"""Appointments as columns: the one shape the risk model reads.

An `AppointmentTable` holds one row per appointment as numpy arrays. It is built from
the database in a single query (`table_from_queryset`) or, for tests and experiments,
straight from the synthetic trust (`table_from_synthetic`). Everything downstream
(features, training, scoring) is vectorised over these columns; nothing queries per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime
from itertools import islice

import numpy as np
from django.db import connections, transaction
from django.db.models import FloatField, QuerySet
from django.db.models.functions import Cast, Extract

from appointments.models import DNA_CODES, HAPPENED_CODES, AttendanceCode
from config.localtime import local_zone
from patients.models import ETHNIC_GROUPS

EPOCH = date(1970, 1, 1)


@dataclass
class AppointmentTable:
    appointment_id: np.ndarray  # int64
    patient_id: np.ndarray  # int64
    starts: np.ndarray  # float64, seconds since the Unix epoch (UTC)
    booked: np.ndarray  # float64, seconds since the Unix epoch (UTC); NaN where the extract gave no booking date
    code: np.ndarray  # int16, the attendance code (0 while not yet known)
    specialty: np.ndarray  # str (treatment function code)
    follow_up: np.ndarray  # bool
    medium: np.ndarray  # str
    born: np.ndarray  # float64, date of birth as days since 1970-01-01; NaN where not known
    sex: np.ndarray  # str
    imd_decile: np.ndarray  # float64, NaN where unknown
    interpreter: np.ndarray  # bool
    has_mobile: np.ndarray  # bool
    # Never a model input: kept only to check the model per ethnic group.
    ethnic_group: np.ndarray  # str
    # Analytic extracts: the age the extract gave (NaN where none), and whether the start had a time.
    stated_age: np.ndarray  # float64
    time_known: np.ndarray  # bool

    def __len__(self) -> int:
        return len(self.appointment_id)

    def take(self, index: np.ndarray) -> AppointmentTable:
        return AppointmentTable(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @property
    def is_dna(self) -> np.ndarray:
        return np.isin(self.code, [int(c) for c in DNA_CODES])

    @property
    def has_happened(self) -> np.ndarray:
        return np.isin(self.code, [int(c) for c in HAPPENED_CODES])

    @property
    def is_patient_cancelled(self) -> np.ndarray:
        return self.code == int(AttendanceCode.PATIENT_CANCELLED)


def local_weekday_and_hour(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekday (Monday 0), hour and local date (days since epoch) in the trust's time zone.

    Appointment slots repeat, so only the distinct start times go through zoneinfo.
    """
    zone = local_zone()
    unique, inverse = np.unique(starts, return_inverse=True)
    local = [datetime.fromtimestamp(float(s), tz=zone) for s in unique]
    weekday = np.array([d.weekday() for d in local], dtype=np.float64)
    hour = np.array([d.hour + d.minute / 60 for d in local], dtype=np.float64)
    day = np.array([(d.date() - EPOCH).days for d in local], dtype=np.int64)
    return weekday[inverse], hour[inverse], day[inverse]


def _seconds(values: list) -> np.ndarray:
    """Seconds since the epoch; NaN for None (a booking date the extract did not give)."""
    if any(isinstance(d, datetime) for d in values):
        return np.fromiter((np.nan if d is None else d.timestamp() for d in values), np.float64, count=len(values))
    return np.asarray(values, dtype=np.float64)


def _days(values: list) -> np.ndarray:
    """Days since the epoch; NaN for None (a date of birth the extract did not give)."""
    if any(isinstance(b, date) for b in values):
        return np.fromiter((np.nan if b is None else (b - EPOCH).days for b in values), np.float64, count=len(values))
    return np.floor(np.asarray(values, dtype=np.float64) / 86_400)


BLOCK = 100_000  # rows read at a time: no list of every row's Python tuple is ever held


def _shared(values: list, seen: dict[str, str]) -> np.ndarray:
    """An object column whose equal strings are one object: the driver makes a new string per row,
    and a few specialty, medium and sex codes repeated over millions of rows would otherwise cost
    ~50 bytes each."""
    return np.asarray([seen.setdefault(v, v) if isinstance(v, str) else v for v in values], dtype=object)


def _block(rows: Sequence[tuple], seen: dict[str, str]) -> AppointmentTable:
    if not rows:
        columns: list[list] = [[] for _ in range(len(COLUMNS))]
    else:
        columns = [list(c) for c in zip(*rows, strict=True)]
    (ids, patients, starts, booked, codes, specialty, kind, medium, born, sex, decile, interpreter, mobile, eth,
     stated_age, time_known) = columns  # fmt: skip
    return AppointmentTable(
        appointment_id=np.asarray(ids, dtype=np.int64),
        patient_id=np.asarray(patients, dtype=np.int64),
        starts=_seconds(starts),
        booked=_seconds(booked),
        code=np.asarray(codes, dtype=np.int16),
        specialty=_shared(specialty, seen),
        follow_up=np.asarray([k == "follow_up" for k in kind], dtype=bool),
        medium=_shared(medium, seen),
        born=_days(born),
        sex=_shared(sex, seen),
        imd_decile=np.asarray([np.nan if d is None else d for d in decile], dtype=np.float64),
        interpreter=np.asarray(interpreter, dtype=bool),
        has_mobile=np.asarray([bool(m) for m in mobile], dtype=bool),
        ethnic_group=np.asarray([ETHNIC_GROUPS.get(e or "", "Not known") for e in eth], dtype=object),
        stated_age=np.asarray(stated_age, dtype=np.float64),
        time_known=np.asarray(time_known, dtype=bool),
    )


def _build(blocks: Iterable[Sequence[tuple]]) -> AppointmentTable:
    """The table from rows given a block at a time, each block turned into columns before the next is read."""
    seen: dict[str, str] = {}
    parts = [_block(rows, seen) for rows in blocks] or [_block([], seen)]
    columns = {}
    for f in fields(AppointmentTable):  # joined a column at a time, each block's copy let go at once
        columns[f.name] = np.concatenate([getattr(part, f.name) for part in parts])
        for part in parts:
            setattr(part, f.name, None)
    return AppointmentTable(**columns)


COLUMNS = (
    "id",
    "patient_id",
    "starts_at",
    "booked_at",
    "attendance_code",
    "specialty__treatment_function_code",
    "appointment_type",
    "medium",
    "patient__date_of_birth",
    "patient__sex",
    "patient__imd_decile",
    "patient__interpreter_required",
    "patient__mobile",
    "patient__ethnic_category",
    "age_at_appointment",
    "start_time_known",
)


def _epoch(field: str, *, is_date: bool = False) -> Cast:
    return Cast(Extract(field, "epoch", **({} if is_date else {"tzinfo": UTC})), FloatField())


def table_from_queryset(appointments: QuerySet) -> AppointmentTable:
    """One query: the appointments with the patient columns the features need."""
    if connections[appointments.db].vendor == "postgresql":
        return table_from_queryset_postgres(appointments)
    return table_from_queryset_portable(appointments)


# The two twins below give the same table for the same appointments;
# tests/risk/test_scoring_engines.py runs both and compares.


def table_from_queryset_portable(appointments: QuerySet) -> AppointmentTable:
    """The table through the ORM's own rows (datetimes converted in Python)."""
    rows = appointments.values_list(*COLUMNS).iterator(chunk_size=BLOCK)
    return _build(iter(lambda: list(islice(rows, BLOCK)), []))


def table_from_queryset_postgres(appointments: QuerySet) -> AppointmentTable:
    """The same table, with PostgreSQL turning times into epoch seconds (parsing hundreds of
    thousands of timestamps in Python is most of the cost of reading them)."""
    epochs = {
        "_starts": _epoch("starts_at"),
        "_booked": _epoch("booked_at"),
        "_born": _epoch("patient__date_of_birth", is_date=True),
    }
    renamed = {"starts_at": "_starts", "booked_at": "_booked", "patient__date_of_birth": "_born"}
    queryset = appointments.annotate(**epochs).values_list(*(renamed.get(c, c) for c in COLUMNS))
    # The ORM's own row iteration (a converter call per row) costs more than the query: run its SQL
    # and take the rows as the driver gives them (every column is already a plain value), a block at a
    # time from a server-side cursor, as QuerySet.iterator() reads.
    sql, params = queryset.query.sql_with_params()
    connection = connections[appointments.db]
    # In a transaction, so the cursor need not be held past it (which would copy every row on the server first).
    with transaction.atomic(using=appointments.db), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        return _build(iter(lambda: cursor.fetchmany(BLOCK), []))


def table_from_synthetic(appointments: Iterable) -> AppointmentTable:
    """The same table straight from `appointments.synthetic` objects (no database)."""
    rows = []
    for serial, a in enumerate(appointments, start=1):
        p = a.patient
        pid = int(p.hospital_number.removeprefix("DEMO"))
        rows.append(
            (serial, pid, a.starts_at, a.booked_at, a.attendance_code, a.specialty_code, a.appointment_type, a.medium,
             p.date_of_birth, p.sex, p.area.imd_decile, p.interpreter_required, p.mobile, p.ethnic_category, None,
             True)
        )  # fmt: skip
    return _build([rows])
