"""Training a DNA risk model chosen on the trust's own data, and judging it once on days it never saw.

Appointments that have happened (attended or DNA; cancellations excluded) before the
as-of instant are split by time, never at random (risk.slices):

    [ ........ training ........ | validation | hold-out ]   ← as of

Candidates (LightGBM over a small search of its regularisation, and a spline logistic
regression) are fitted on the training slice and compared on the validation slice
(risk.candidates); the winner is calibrated there (Platt by default, or isotonic) and
refitted on training + validation. The hold-out then judges it once, beside the
baselines fitted on the same rows, as deployed and on all appointments, overall and per
IMD quintile, sex, age band and ethnic group (risk.evaluation).

A large trust's two years are more rows than the fitting needs or one machine holds: above
`ATTEND_RISK_MAX_FIT_ROWS` the candidates (and the refit, and the baselines beside it) are
fitted on a seeded random sample of that many rows of their slice. The features are still
computed from every appointment, the vocabularies are learned from every row of the slices,
and the validation and hold-out slices are scored on all their rows. The model card says
when a sample was used and how many rows it had; below the cap nothing is sampled.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import lightgbm as lgb
import numpy as np
from django.conf import settings
from sklearn.isotonic import IsotonicRegression

from patients.deprivation.quintiles import imd_quintiles_array
from patients.models import AGE_BANDS
from risk import metrics
from risk.baselines import baseline_predictions
from risk.candidates import fit_lightgbm, search
from risk.evaluation import judge_as_deployed
from risk.features import (
    BY_NAME,
    POOLED_NUMERIC,
    categories_of,
    compute_features,
    configured_features,
    could_be_listed,
    design_matrix,
    rare_values_of,
)
from risk.linear import fit_spline_logistic
from risk.predictor import Calibrator, Predictor
from risk.slices import TrainingError, choose_slices
from risk.table import AppointmentTable, local_weekday_and_hour

ALGORITHMS = {
    "lightgbm": f"LightGBM {lgb.__version__} gradient-boosted trees",
    "spline_logistic": "Logistic regression with natural splines",
}
# Share of each day's appointments in the high band, and in high or medium together.
HIGH_SHARE, MEDIUM_SHARE = 0.10, 0.30
SAMPLE_SEED = 21  # the rows fitted on above ATTEND_RISK_MAX_FIT_ROWS: the same data gives the same sample


@dataclass
class TrainingResult:
    predictor: Predictor
    algorithm: str
    parameters: dict
    trained_from: date
    trained_to: date
    holdout_from: date
    holdout_to: date
    metrics: dict[str, dict]
    fairness: dict[str, dict[str, dict[str, dict]]]
    rows: dict[str, int] = field(default_factory=dict)


def _fit_calibrator(raw: np.ndarray, y: np.ndarray) -> Calibrator:
    kind = settings.ATTEND_RISK_CALIBRATION
    if kind == "isotonic":
        iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, y)
        return Calibrator(kind="isotonic", x=iso.X_thresholds_.tolist(), y=iso.y_thresholds_.tolist())
    a, b = metrics._fit_logistic(np.column_stack([np.ones_like(raw), raw]), y.astype(np.float64))
    return Calibrator(kind="platt", a=float(a), b=float(b))


def _groups(table: AppointmentTable, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    quintile = imd_quintiles_array(table.imd_decile)
    band_labels = np.array([label for label, _, _ in AGE_BANDS], dtype=object)
    return {
        "imd_quintile": np.array([str(q) if q else "Not known" for q in quintile], dtype=object),
        "sex": table.sex.astype(str).astype(object),
        "age_band": np.where(
            np.isnan(columns["age_band"]), "Not known", band_labels[np.nan_to_num(columns["age_band"]).astype(int)]
        ),
        "ethnic_group": table.ethnic_group,
    }


def fitted_rows(mask: np.ndarray, cap: int) -> np.ndarray:
    """The rows of `mask` a model is fitted on: all of them up to `cap`, else a seeded random `cap` of them."""
    rows = np.flatnonzero(mask)
    if len(rows) <= cap:
        return mask
    sample = np.zeros_like(mask)
    sample[np.random.default_rng(SAMPLE_SEED).choice(rows, size=cap, replace=False)] = True
    return sample


def uninformative_inputs(columns: dict[str, np.ndarray]) -> list[dict[str, str]]:
    """The inputs (name → values on the rows learned from) that carry no information: missing on
    every row, or one value on every row. Each with its label and why, for the card and the command."""
    found = []
    for name, values in columns.items():
        if values.dtype.kind in "fc":
            known = values[~np.isnan(values)]
        else:
            known = values[values != ""] if values.dtype.kind in "UO" else values
        if not len(known):
            why = "missing on every appointment learned from"
        elif len(np.unique(known)) == 1 and len(known) == len(values):
            why = f"the same value ({known[0]}) on every appointment learned from"
        else:
            continue
        found.append({"feature": name, "label": BY_NAME[name].label, "why": why})
    return found


def train_model(
    table: AppointmentTable,
    *,
    as_of: datetime,
    holdout_from: date | None = None,
    validation_from: date | None = None,
    features: list[str] | None = None,
    calls_per_day: int | None = None,
    kinds: tuple[str, ...] = ("lightgbm", "spline_logistic"),
) -> TrainingResult:
    """Train on `table`'s appointments that happened before `as_of`; raise TrainingError if the data cannot.

    The slices are set by `holdout_from` / `validation_from` (local dates) or, without them,
    chosen from the data (risk.slices). `calls_per_day` is the call teams' capacity, for the
    recall and precision at capacity (left out when None). `kinds` limits the candidates (tests
    that need trees, say).
    """
    features = features or configured_features()
    as_of_s = as_of.timestamp()
    # Features see every earlier appointment (cancellations too); only outcomes are learned from.
    all_columns = compute_features(table)
    before = table.starts < as_of_s
    rows = np.flatnonzero(table.has_happened & before)
    without_outcome = int((before & (table.code == 0)).sum())
    # Every appointment's features, a column at a time let go once the rows learned from are taken.
    columns = {name: all_columns.pop(name)[rows] for name in list(all_columns)}
    starts, y = table.starts[rows], table.is_dna[rows].astype(np.int64)
    slices = choose_slices(
        starts, y, as_of=as_of, holdout_from=holdout_from, validation_from=validation_from,
        without_outcome=without_outcome,
    )  # fmt: skip
    train, calibration, holdout = slices.train, slices.validation, slices.holdout

    fit = slices.fit
    # An input with one value (or none) on the rows learned from carries no information on this
    # trust's data (a CDS extract has no time of day and no phone): it is left out and listed.
    uninformative = uninformative_inputs({n: columns[n][fit] for n in features})
    features = [n for n in features if n not in {u["feature"] for u in uninformative}]
    if not features:
        raise TrainingError("Every input has the same value (or none) on every appointment learned from: "
                            + "; ".join(f"{u['label']}: {u['why']}" for u in uninformative))  # fmt: skip
    # The vocabulary of each category comes from the rows the final model is fitted on (never the hold-out).
    # A category or discrete value seen on too few of those rows is pooled with missing (no reason from it).
    min_rows = settings.ATTEND_RISK_MIN_CATEGORY_ROWS
    categories = categories_of(
        {n: columns[n][fit] for n in features if BY_NAME[n].categorical}, features, min_rows=min_rows
    )
    rare = rare_values_of({n: columns[n][fit] for n in features if n in POOLED_NUMERIC}, features, min_rows=min_rows)
    x = design_matrix(columns, features, categories, rare)
    # An input whose every value is too rare to learn from (33 clinic hours in a six-week extract)
    # is missing on every row once pooled: left out and listed too.
    all_pooled = [n for i, n in enumerate(features) if np.isnan(x[fit, i]).all()]
    if all_pooled:
        uninformative += [{"feature": n, "label": BY_NAME[n].label,
                           "why": f"every value seen on fewer than {min_rows} appointments learned from"}
                          for n in all_pooled]  # fmt: skip
        features = [n for n in features if n not in all_pooled]
        if not features:
            raise TrainingError("Every input is too rare or the same on every appointment learned from.")
        categories = {n: vocabulary for n, vocabulary in categories.items() if n in features}
        rare = {n: values for n, values in rare.items() if n in features}
        x = design_matrix(columns, features, categories, rare)
    # Of the inputs, only these are read again (the rule's predictions, and the age bands of the fairness table).
    columns = {n: columns[n] for n in ("prior_dna_rate", "age_band")}
    cap = int(settings.ATTEND_RISK_MAX_FIT_ROWS)
    learn, learn_fit = fitted_rows(train, cap), fitted_rows(fit, cap)
    winner, selection = search(
        x_train=x[learn], y_train=y[learn], x_val=x[calibration], y_val=y[calibration], features=features,
        categories=categories, prior_dna_rate_val=columns["prior_dna_rate"][calibration], kinds=kinds,
    )  # fmt: skip
    calibrator = _fit_calibrator(winner.validation_raw, y[calibration])
    p_calibration = calibrator(winner.validation_raw)
    thresholds = {
        "high": float(np.quantile(p_calibration, 1 - HIGH_SHARE)),
        "medium": float(np.quantile(p_calibration, 1 - MEDIUM_SHARE)),
    }
    # Refitted on training + validation with the winner's settings (and rounds), so the most
    # recent weeks before the hold-out are learned from too; the calibration stays the validation's.
    refit_rounds = round(winner.rounds * learn_fit.sum() / learn.sum())  # the same trees per row learned from
    if winner.kind == "lightgbm":
        predictor = Predictor(
            fit_lightgbm(x[learn_fit], y[learn_fit], features, winner.params, refit_rounds), calibrator, features,
            categories, thresholds, rare=rare,
        )  # fmt: skip
    else:
        linear = fit_spline_logistic(x[learn_fit], y[learn_fit], features, categories)
        predictor = Predictor(None, calibrator, features, categories, thresholds, linear=linear, rare=rare)

    p_model = predictor.probability(x[holdout])
    baselines = baseline_predictions(
        x_fit=x[learn_fit],
        y_fit=y[learn_fit],
        x_eval=x[holdout],
        prior_dna_rate_eval=columns["prior_dna_rate"][holdout],
        features=features,
        categories=categories,
    )
    predictions = {"model": p_model, **baselines}
    held = table.take(rows[holdout])
    _, _, day = local_weekday_and_hour(held.starts)
    days_ahead_min = int(settings.ATTEND_CALL_DAYS_AHEAD_MIN)
    overall, fairness = judge_as_deployed(
        y=y[holdout],
        predictions=predictions,
        day=day,
        listable=could_be_listed(held.starts, held.booked, day, days_ahead_min),
        groups=_groups(held, {n: v[holdout] for n, v in columns.items()}),
        calls_per_day=calls_per_day,
        days_ahead_min=days_ahead_min,
    )
    counts = {"training": int(train.sum()), "calibration": int(calibration.sum()), "holdout": int(holdout.sum())}
    if learn is not train or learn_fit is not fit:  # a sample fitted on: its size for the search and for the refit
        counts.update(sample_cap=cap, sample_training=int(learn.sum()), sample_refit=int(learn_fit.sum()))
    return TrainingResult(
        predictor=predictor,
        algorithm=f"{ALGORITHMS[winner.kind]}, chosen on validation, calibrated ({calibrator.kind})",
        parameters={
            **winner.params,
            "candidate": winner.name,
            **(
                {"num_boost_round": refit_rounds, "early_stopped_rounds": winner.rounds}
                if winner.kind == "lightgbm"
                else {}
            ),
            "calibration": calibrator.kind,
            "slices_chosen_by": slices.chosen_by,
            "calibration_from": slices.validation_from.isoformat(),
            "band_thresholds": thresholds,
        },
        trained_from=_local_date(starts[train].min()),
        trained_to=_local_date(starts[calibration].max()),
        holdout_from=slices.holdout_from,
        holdout_to=_local_date(starts[holdout].max()),
        metrics={**overall, "selection": selection, "uninformative_inputs": uninformative},
        fairness=fairness,
        rows=counts,
    )


def _local_date(seconds: float) -> date:
    _, _, day = local_weekday_and_hour(np.array([seconds]))
    return date(1970, 1, 1) + timedelta(days=int(day[0]))
