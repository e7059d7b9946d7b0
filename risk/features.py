"""The risk model's inputs, computed without leakage.

Each appointment's features use only what was known before it started: its own
booking details and the outcomes of the same patient's appointments that started
strictly earlier. Adding later appointments never changes an earlier appointment's
features (a test holds this). For an upcoming appointment the later outcomes are not
known yet anyway, so training and scoring see the same thing.

Everything is vectorised: rows are sorted by (patient, start) once and each history
count is a difference of prefix sums found with `searchsorted`.

Which features a model uses is configurable (`ATTEND_RISK_FEATURES`,
`ATTEND_RISK_EXCLUDED_FEATURES`): a trust may leave out deprivation. Ethnicity is
never an input, whatever the settings say; it is used only to check the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config.localtime import local_midnight
from patients.models import AGE_BANDS
from risk.table import EPOCH, AppointmentTable, local_weekday_and_hour

DAY = 86_400.0
YEAR = 365 * DAY


@dataclass(frozen=True)
class Feature:
    name: str
    label: str
    categorical: bool = False


# The catalogue, in model column order.
CATALOGUE: tuple[Feature, ...] = (
    Feature("prior_dnas", "Earlier DNAs (all time)"),
    Feature("prior_dna_rate", "Share of earlier appointments missed (all time)"),
    Feature("prior_dnas_12m", "Earlier DNAs in the last 12 months"),
    Feature("prior_dna_rate_12m", "Share of appointments missed in the last 12 months"),
    Feature("dnas_in_last_4", "DNAs among the last four appointments"),
    Feature("prior_attendances", "Earlier attendances"),
    Feature("prior_patient_cancellations", "Earlier appointments cancelled by the patient"),
    Feature("days_since_last_dna", "Days since the last DNA"),
    Feature("booking_lead_days", "Days between booking and appointment"),
    Feature("could_be_listed", "Booked early enough to be on a call list"),
    Feature("age_band", "Age band"),
    Feature("sex", "Sex", categorical=True),
    Feature("imd_decile", "IMD decile (deprivation)"),
    Feature("specialty", "Specialty", categorical=True),
    Feature("follow_up", "Follow-up (not first) appointment"),
    Feature("medium", "Face to face, telephone or video", categorical=True),
    Feature("weekday", "Day of the week"),
    Feature("hour", "Time of day"),
    Feature("interpreter_required", "Interpreter needed"),
    Feature("has_mobile", "Has a mobile number"),
)
BY_NAME = {f.name: f for f in CATALOGUE}
NEVER_INPUTS = frozenset({"ethnicity", "ethnic_category", "ethnic_group"})


class FeatureSetError(ValueError):
    """The configured or stored feature list is not one Attend can compute."""


def check_feature_names(names: list[str]) -> None:
    forbidden = sorted(NEVER_INPUTS.intersection(names))
    if forbidden:
        raise FeatureSetError(f"Ethnicity is never a risk model input (found {', '.join(forbidden)}).")
    unknown = [n for n in names if n not in BY_NAME]
    if unknown:
        raise FeatureSetError(f"Unknown risk feature(s): {', '.join(unknown)}. Known features: {', '.join(BY_NAME)}.")


def configured_features() -> list[str]:
    """The features a newly trained model uses, from settings, in catalogue order."""
    wanted = list(settings.ATTEND_RISK_FEATURES or BY_NAME)
    excluded = list(settings.ATTEND_RISK_EXCLUDED_FEATURES)
    try:
        check_feature_names(wanted)
        check_feature_names([n for n in excluded if n not in NEVER_INPUTS])
    except FeatureSetError as exc:
        raise ImproperlyConfigured(f"ATTEND_RISK_FEATURES: {exc}") from None
    chosen = [f.name for f in CATALOGUE if f.name in wanted and f.name not in excluded]
    if not chosen:
        raise ImproperlyConfigured("ATTEND_RISK_FEATURES: the settings leave the risk model no features.")
    return chosen


def ages_on_day(born_days: np.ndarray, local_day: np.ndarray, stated_age: np.ndarray) -> np.ndarray:
    """Whole years on the appointment's local day: the age the extract gave, else from the date of
    birth (the same rule as appointments' age_on_day_expression); NaN where neither is known."""
    age = stated_age.astype(np.float64, copy=True)
    from_birth = np.isnan(age) & ~np.isnan(born_days)
    born = born_days[from_birth].astype(np.int64).astype("datetime64[D]")
    on = local_day[from_birth].astype("datetime64[D]")
    years = on.astype("datetime64[Y]").astype(int) - born.astype("datetime64[Y]").astype(int)
    # Month and day compared, not the day of the year, which a leap year shifts by one from March.
    birthday_ahead = _month_day(on) < _month_day(born)
    age[from_birth] = years - birthday_ahead.astype(int)
    return age


def _month_day(days: np.ndarray) -> np.ndarray:
    """month × 100 + day of each date (datetime64[D])."""
    months = days.astype("datetime64[M]")
    return ((months - days.astype("datetime64[Y]")).astype(int) + 1) * 100 + (days - months).astype(int) + 1


def _age_band_index(born_days: np.ndarray, local_day: np.ndarray, stated_age: np.ndarray) -> np.ndarray:
    """The age band on the day (reports' age_band); NaN where the age is not known."""
    age = ages_on_day(born_days, local_day, stated_age)
    edges = np.array([low for _, low, _ in AGE_BANDS[1:]])
    return np.where(np.isnan(age), np.nan, np.searchsorted(edges, np.nan_to_num(age), side="right"))


def _prefix(values: np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(values, dtype=np.int64)])


def _rate(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denominator > 0, numerator / np.maximum(denominator, 1), np.nan)


def _history(table: AppointmentTable) -> dict[str, np.ndarray]:
    """The features from the patient's earlier appointments, in row order (the sort's working arrays, a
    dozen per row, are let go on return, before the other features are computed)."""
    n = len(table)
    order = np.lexsort((table.starts, table.patient_id))
    patient = table.patient_id[order]
    starts = np.round(table.starts[order]).astype(np.int64)
    rank = np.concatenate([[0], np.cumsum(patient[1:] != patient[:-1])]) if n else np.zeros(0, np.int64)
    base = rank.astype(np.int64) * 10**10  # seconds since 1970 stay below 10**10 until 2286
    key = base + starts

    dna = table.is_dna[order]
    happened = table.has_happened[order]
    cancelled = table.is_patient_cancelled[order]

    first = np.searchsorted(key, base, side="left")  # the patient's first row
    before = np.searchsorted(key, key, side="left")  # rows that started strictly earlier
    year_ago = np.maximum(np.searchsorted(key, key - int(YEAR), side="left"), first)

    dnas, seen, cancels = _prefix(dna), _prefix(happened), _prefix(cancelled)
    prior_dnas = dnas[before] - dnas[first]
    prior_seen = seen[before] - seen[first]
    dnas_12m = dnas[before] - dnas[year_ago]
    seen_12m = seen[before] - seen[year_ago]

    # The last four appointments that happened (attended or DNA) before this one.
    happened_key = key[happened]
    happened_dnas = _prefix(dna[happened])
    k = np.searchsorted(happened_key, key, side="left")
    window_start = np.maximum(np.searchsorted(happened_key, base, side="left"), k - 4)
    dnas_in_last_4 = happened_dnas[k] - happened_dnas[window_start]

    dna_key = key[dna]
    j = np.searchsorted(dna_key, key, side="left")
    had_dna = j > np.searchsorted(dna_key, base, side="left")
    last_dna = np.where(had_dna, dna_key[np.maximum(j - 1, 0)] if len(dna_key) else 0, 0)
    days_since_last_dna = np.where(had_dna, (key - last_dna) / DAY, np.nan)

    sorted_columns = {
        "prior_dnas": prior_dnas.astype(np.float64),
        "prior_dna_rate": _rate(prior_dnas, prior_seen),
        "prior_dnas_12m": dnas_12m.astype(np.float64),
        "prior_dna_rate_12m": _rate(dnas_12m, seen_12m),
        "dnas_in_last_4": dnas_in_last_4.astype(np.float64),
        "prior_attendances": (prior_seen - prior_dnas).astype(np.float64),
        "prior_patient_cancellations": (cancels[before] - cancels[first]).astype(np.float64),
        "days_since_last_dna": days_since_last_dna,
    }
    columns = {name: np.empty(n, dtype=np.float64) for name in sorted_columns}
    for name, values in sorted_columns.items():
        columns[name][order] = values
    return columns


def compute_features(table: AppointmentTable) -> dict[str, np.ndarray]:
    """Every catalogue feature (float64 columns; categorical ones as strings) for each row, in row order."""
    columns = _history(table)
    weekday, hour, local_day = local_weekday_and_hour(table.starts)
    columns.update(
        booking_lead_days=np.floor((table.starts - table.booked) / DAY),
        # Same-day and short-notice bookings: booked too late for any call list (unknown: no booking date).
        could_be_listed=np.where(
            np.isnan(table.booked),
            np.nan,
            could_be_listed(table.starts, table.booked, local_day, int(settings.ATTEND_CALL_DAYS_AHEAD_MIN)),
        ),
        age_band=_age_band_index(table.born, local_day, table.stated_age),
        sex=table.sex,
        imd_decile=table.imd_decile.astype(np.float64),
        specialty=table.specialty,
        follow_up=table.follow_up.astype(np.float64),
        medium=table.medium,
        weekday=weekday,
        hour=np.where(table.time_known, hour, np.nan),  # a start without a time has no hour of day
        interpreter_required=table.interpreter.astype(np.float64),
        has_mobile=table.has_mobile.astype(np.float64),
    )
    return columns


def could_be_listed(starts: np.ndarray, booked: np.ndarray, local_day: np.ndarray, days_ahead_min: int) -> np.ndarray:
    """True where the appointment was booked before the local midnight that begins the last day
    it could be on a call list (`days_ahead_min` days before its own day), so it had a score then.
    An appointment whose booking date the extract did not give (NaN) is counted in: nothing says
    it could not have been listed."""
    unique, inverse = np.unique(local_day, return_inverse=True)
    cutoffs = np.array(
        [local_midnight(EPOCH + timedelta(days=int(d) - days_ahead_min)).timestamp() for d in unique],
        dtype=np.float64,
    )
    return ~(booked >= cutoffs[inverse]) if len(starts) else np.zeros(0, dtype=bool)


# Discrete numeric inputs whose values, like a category's, can be too rare to learn from (a clinic
# that ran on one Saturday; the only 7 a.m. list).
POOLED_NUMERIC = frozenset({"weekday", "hour"})


def categories_of(columns: dict[str, np.ndarray], names: list[str], *, min_rows: int = 1) -> dict[str, list[str]]:
    """The vocabulary of each categorical feature, as seen in training (stored with the model): the
    values seen on at least `min_rows` rows. A rarer value is pooled with the unknown ones (missing),
    so the model learns nothing from it alone and no reason is ever given from it."""
    vocabularies = {}
    for name in names:
        if BY_NAME[name].categorical:
            values, counts = np.unique(np.asarray([str(v) for v in columns[name]]), return_counts=True)
            vocabularies[name] = sorted(str(v) for v, n in zip(values, counts, strict=True) if n >= min_rows)
    return vocabularies


def rare_values_of(columns: dict[str, np.ndarray], names: list[str], *, min_rows: int) -> dict[str, list[float]]:
    """The values of the discrete numeric inputs (POOLED_NUMERIC) seen on fewer than `min_rows` training
    rows: pooled with missing, as a rare category is (stored with the model)."""
    rare = {}
    for name in names:
        if name in POOLED_NUMERIC:
            values = columns[name][~np.isnan(columns[name])]
            found, counts = np.unique(values, return_counts=True)
            if few := [float(v) for v, n in zip(found, counts, strict=True) if n < min_rows]:
                rare[name] = few
    return rare


def design_matrix(
    columns: dict[str, np.ndarray],
    names: list[str],
    categories: dict[str, list[str]],
    rare: dict[str, list[float]] | None = None,
) -> np.ndarray:
    """The numeric matrix a model reads: categorical values become their index in the stored
    vocabulary (NaN, i.e. missing, for a value the model never saw or saw too rarely), and the
    rare values of the discrete numeric inputs become NaN too."""
    rare = rare or {}
    matrix = np.empty((len(next(iter(columns.values()))) if columns else 0, len(names)), dtype=np.float64)
    for i, name in enumerate(names):
        if BY_NAME[name].categorical:
            lookup = {value: float(index) for index, value in enumerate(categories[name])}
            matrix[:, i] = np.fromiter((lookup.get(str(v), np.nan) for v in columns[name]), dtype=np.float64)
        else:
            matrix[:, i] = columns[name]
            if name in rare:
                matrix[np.isin(matrix[:, i], rare[name]), i] = np.nan
    return matrix


def pooled_away(columns: dict[str, np.ndarray], matrix: np.ndarray, names: list[str]) -> np.ndarray:
    """(rows × features) True where a value was given but the model reads it as missing (a category or
    discrete value too rare in training, or never seen): no reason may be given from such a value."""
    pooled = np.zeros(matrix.shape, dtype=bool)
    for i, name in enumerate(names):
        if BY_NAME[name].categorical:
            pooled[:, i] = np.isnan(matrix[:, i]) & np.asarray([str(v) != "" for v in columns[name]])
        elif name in POOLED_NUMERIC:
            pooled[:, i] = np.isnan(matrix[:, i]) & ~np.isnan(columns[name])
    return pooled
