"""Scoring every upcoming appointment with the active model.

Work goes in chunks of patients: one query loads a chunk's appointments (history and
upcoming together), features and predictions are computed for the whole chunk at once,
and the scores are written with one bulk upsert keyed on the appointment. Running it
twice gives the same rows (each appointment has at most one RiskScore).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from appointments.models import Appointment, AttendanceCode, Specialty, child_age_under
from config.localtime import local_zone
from risk.explanations import reasons
from risk.features import ages_on_day, compute_features, pooled_away
from risk.models import RiskModel, RiskScore
from risk.predictor import Predictor
from risk.registry import active_model, load_predictor
from risk.table import AppointmentTable, local_weekday_and_hour, table_from_queryset

WRITE_BATCH = 5000
INCOMING = "attend_riskscore_incoming"  # the temporary table the PostgreSQL upsert copies into


class ScoringError(Exception):
    """Scoring cannot run (no active model); the message says what to do."""


@dataclass(frozen=True)
class ScoringSummary:
    model_version: int
    appointments: int
    high: int
    medium: int
    low: int
    chunks: int

    def as_dict(self) -> dict:
        return asdict(self)


def _score_chunk(
    *,
    patient_ids: list[int],
    predictor: Predictor,
    model: RiskModel,
    window: tuple[datetime, datetime],
    scored_at: datetime,
    specialty_names: dict[str, str],
    happened: bool = False,
    history_start: datetime | None = None,
) -> np.ndarray:
    """Score the chunk's appointments starting in `window`: those still waiting for an outcome, or
    with `happened` those whose outcome is known (features use only what came before each one)."""
    on_postgres = connection.vendor == "postgresql"
    table = table_from_queryset((appointments_of_postgres if on_postgres else appointments_of_portable)(patient_ids))
    columns = compute_features(table)
    start, end = (window[0].timestamp(), window[1].timestamp())
    wanted = table.has_happened if happened else (table.code == 0)
    rows = np.flatnonzero(wanted & (table.starts >= start) & (table.starts < end))
    if not len(rows):
        return np.array([], dtype=object)
    columns = {name: values[rows] for name, values in columns.items()}
    matrix = predictor.matrix(columns)
    contributions = predictor.contributions(matrix)
    probability = predictor.calibrator(contributions.sum(axis=1))  # contributions add up to the raw score
    bands = predictor.bands(probability)
    # No reason from a value the model reads as missing for being too rare in training (or unseen).
    explained = np.where(pooled_away(columns, matrix, predictor.features), 0.0, contributions[:, :-1])
    history = {}
    if history_start is not None:
        history = {
            "history_days": (table.starts[rows] - history_start.timestamp()) / 86400,
            "history_from": date_format(timezone.localtime(history_start), "j F Y"),
        }
    texts = reasons(columns, np.column_stack([explained, contributions[:, -1]]), predictor.features, specialty_names,
                    children=_children(table, rows), **history)  # fmt: skip
    upsert = upsert_scores_postgres if on_postgres else upsert_scores_portable
    upsert(table.appointment_id[rows], model, probability, bands, texts, scored_at)
    return bands


def _children(table: AppointmentTable, rows: np.ndarray) -> np.ndarray:
    """Which of the rows are a child's appointment (ATTEND_CHILD_AGE_UNDER on the day): their
    missed appointments are worded "was not brought" in the reasons."""
    _, _, local_day = local_weekday_and_hour(table.starts[rows])
    ages = ages_on_day(table.born[rows], local_day, table.stated_age[rows])
    return np.nan_to_num(ages, nan=np.inf) < child_age_under()


# Each PostgreSQL/SQLite fork below is a pair of twins with one contract; the pairs are checked
# against each other on the same data by tests/risk/test_scoring_engines.py.


def appointments_of_portable(patient_ids: list[int]) -> QuerySet[Appointment]:
    """Every appointment of these patients (history and upcoming): the portable query."""
    return Appointment.objects.filter(patient_id__in=patient_ids)


def appointments_of_postgres(patient_ids: list[int]) -> QuerySet[Appointment]:
    """The same appointments, with the chunk's patients as one array parameter (written out as a
    PostgreSQL array literal of integers): thousands of separate parameters cost more to bind than
    the query takes to run."""
    return Appointment.objects.extra(  # noqa: S610 (the parameter is a list of integers)
        where=[f'"{Appointment._meta.db_table}"."patient_id" = ANY(%s::bigint[])'],
        params=["{" + ",".join(str(int(p)) for p in patient_ids) + "}"],
    )


def upsert_scores_portable(
    ids: np.ndarray,
    model: RiskModel,
    probability: np.ndarray,
    bands: np.ndarray,
    texts: list[list[str]],
    scored_at: datetime,
) -> None:
    """Insert or replace each appointment's one RiskScore: the portable upsert (bulk_create)."""
    with transaction.atomic():
        RiskScore.objects.bulk_create(
            [
                RiskScore(
                    appointment_id=int(ids[i]),
                    model=model,
                    probability=float(probability[i]),
                    band=str(bands[i]),
                    reasons=texts[i],
                    scored_at=scored_at,
                )
                for i in range(len(ids))
            ],
            batch_size=WRITE_BATCH,
            update_conflicts=True,
            unique_fields=["appointment"],
            update_fields=["model", "probability", "band", "reasons", "scored_at"],
        )


def _copy_json(texts: list[str], encoded: dict[tuple[str, ...], str]) -> str:
    """The reasons as JSON in COPY's text format (where a backslash escapes); most lists recur, so
    each distinct one is encoded once. JSON (ASCII only) never holds a raw tab or newline."""
    key = tuple(texts)
    value = encoded.get(key)
    if value is None:
        value = encoded[key] = json.dumps(texts).replace("\\", "\\\\")
    return value


def upsert_scores_postgres(
    ids: np.ndarray,
    model: RiskModel,
    probability: np.ndarray,
    bands: np.ndarray,
    texts: list[list[str]],
    scored_at: datetime,
) -> None:
    """The same upsert as `upsert_scores_portable`: the rows are streamed into a temporary table
    with COPY (no per-value parameters to quote), then one INSERT … ON CONFLICT moves them into
    the scores table."""
    table = RiskScore._meta.db_table
    encoded: dict[tuple[str, ...], str] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {INCOMING} "
            "(appointment_id bigint, probability float8, band text, reasons text)"
        )
        cursor.execute(f"TRUNCATE {INCOMING}")
        with cursor.cursor.copy(f"COPY {INCOMING} (appointment_id, probability, band, reasons) FROM STDIN") as copy:
            copy.write(
                "".join(
                    f"{i}\t{p!r}\t{b}\t{_copy_json(t, encoded)}\n"
                    for i, p, b, t in zip(ids.tolist(), probability.tolist(), bands.tolist(), texts, strict=True)
                )
            )
        cursor.execute(
            f"""
            INSERT INTO {table} (appointment_id, model_id, probability, band, reasons, scored_at)
            SELECT appointment_id, %s, probability, band, reasons::jsonb, %s FROM {INCOMING}
            ON CONFLICT (appointment_id) DO UPDATE SET
              model_id = EXCLUDED.model_id, probability = EXCLUDED.probability, band = EXCLUDED.band,
              reasons = EXCLUDED.reasons, scored_at = EXCLUDED.scored_at
            """,  # noqa: S608 (the table names are the model's and a constant, never input)
            [model.pk, scored_at],
        )
        cursor.execute(f"TRUNCATE {INCOMING}")


def _refuse_if_outcomes_are_missing(now: datetime, days: int) -> None:
    """Nothing upcoming is only believable if nothing is waiting for an outcome either: an extract
    from an earlier year scored as of today has thousands of appointments without one."""
    waiting = Appointment.objects.filter(attendance_code=AttendanceCode.NOT_YET_KNOWN, starts_at__lt=now)
    found = waiting.aggregate(count=Count("pk"), first=Min("starts_at"), last=Max("starts_at"))
    if found["count"]:
        zone = local_zone()
        first, last = (found[k].astimezone(zone).date() for k in ("first", "last"))
        raise ScoringError(
            f"No upcoming appointment starts in the {days} days from {now.astimezone(zone):%Y-%m-%d %H:%M}, "
            f"but {found['count']:,} appointments before then have no outcome (between {first} and {last}). "
            f"If the extract is from an earlier time, score it as of then (--as-of {first}); otherwise import "
            "the latest extract, which brings their outcomes and the appointments ahead."
        )


def _history_start() -> datetime | None:
    """Where the history Attend holds begins: its earliest appointment (reasons say when it is short)."""
    return Appointment.objects.aggregate(first=Min("starts_at"))["first"]


def score_upcoming(*, days: int | None = None, now: datetime | None = None) -> ScoringSummary:
    """Score (or re-score) every appointment starting in the next `days` days with the active model.

    `now` is the as-of instant (config.localtime.as_of_instant), so an earlier extract can be scored
    as it would have been. Raises ScoringError if no model is active, or if nothing is upcoming
    while appointments before `now` still wait for an outcome (the data is older than `now`);
    ArtifactError if the active model cannot be used.
    """
    model = active_model()
    if model is None:
        raise ScoringError(
            "No risk model is active. Train one (train_risk_model) and activate it on the model page "
            "or with train_risk_model --activate."
        )
    predictor = load_predictor(model)
    now = now or timezone.now()
    days = days or settings.ATTEND_RISK_SCORE_DAYS
    window = (now, now + timedelta(days=days))
    patient_ids = sorted(
        set(Appointment.objects.upcoming(now).filter(starts_at__lt=window[1]).values_list("patient_id", flat=True))
    )
    if not patient_ids:
        _refuse_if_outcomes_are_missing(now, days)
    chunk = settings.ATTEND_RISK_SCORE_CHUNK
    specialty_names = dict(Specialty.objects.values_list("treatment_function_code", "name"))
    history_start = _history_start()
    counts = {"high": 0, "medium": 0, "low": 0}
    chunks = 0
    for first in range(0, len(patient_ids), chunk):
        bands = _score_chunk(
            patient_ids=patient_ids[first : first + chunk],
            predictor=predictor,
            model=model,
            window=window,
            scored_at=now,
            specialty_names=specialty_names,
            history_start=history_start,
        )
        chunks += 1
        for band in counts:
            counts[band] += int((bands == band).sum())
    return ScoringSummary(model_version=model.version, appointments=sum(counts.values()), chunks=chunks, **counts)


def score_past(*, model: RiskModel, start: datetime, end: datetime) -> int:
    """Score the appointments that happened between `start` and `end` with `model`, as it would have
    scored them beforehand (features from earlier appointments only; scored_at the day before
    `start`). For live monitoring of a period the model never saw (the demo backfills its hold-out
    weeks); never over a trained period, where the figures would flatter. Returns how many."""
    if model.trained_to and start.date() <= model.trained_to:
        raise ScoringError(
            f"Scoring the past from {start:%Y-%m-%d} would judge v{model.version} on appointments it was "
            f"trained on (to {model.trained_to:%Y-%m-%d}); start after its training period."
        )
    predictor = load_predictor(model)
    specialty_names = dict(Specialty.objects.values_list("treatment_function_code", "name"))
    happened = Appointment.objects.happened().filter(starts_at__gte=start, starts_at__lt=end)
    history_start = _history_start()
    patient_ids = sorted(set(happened.values_list("patient_id", flat=True)))
    chunk = settings.ATTEND_RISK_SCORE_CHUNK
    scored = 0
    for first in range(0, len(patient_ids), chunk):
        scored += len(
            _score_chunk(
                patient_ids=patient_ids[first : first + chunk],
                predictor=predictor,
                model=model,
                window=(start, end),
                scored_at=start - timedelta(days=1),
                specialty_names=specialty_names,
                happened=True,
                history_start=history_start,
            )
        )
    return scored
