"""Choosing the model on the trust's own data, never on the hold-out.

Every candidate is fitted on the training slice and compared on the validation slice:

- LightGBM with early stopping on the validation log-loss, over a small search of its
  regularisation (leaves, rows per leaf, L2 penalty, learning rate; the rounds are found
  by the early stopping). One setting mirrors scikit-learn's gradient-boosting defaults,
  so a trust whose data suits them can choose them.
- The spline logistic regression (risk.linear).

The lowest validation log-loss wins; the regression within `TIE` of the best counts as
tied with it, and a tie goes to the simpler regression. The winner is calibrated
(Platt, or isotonic by setting) on its validation predictions, and then refitted with
the same settings on training + validation (trees with their early-stopped rounds
scaled by the rows added), so the most recent weeks before the hold-out are not wasted.
The hold-out judges that final model once (risk.training); the record of the search —
each candidate's validation figures, the winner and why — goes into the registry with it.

The baselines are also fitted on the training slice and scored on the validation slice,
so the record shows whether the winner is at least as good as each of them there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from sklearn.metrics import log_loss, roc_auc_score

from risk.baselines import gradient_boosting_defaults, prior_rate_rule
from risk.features import BY_NAME
from risk.linear import SplineLogistic, fit_spline_logistic

TIE = 0.0005  # validation log-loss differences smaller than this are not a reason to choose the more complex
MAX_ROUNDS = 3000
EARLY_STOPPING_ROUNDS = 100
COMMON = {
    "objective": "binary",
    "metric": "binary_logloss",
    "feature_fraction": 0.9,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "cat_smooth": 20,
    "num_threads": 1,  # OpenMP threads spin badly on a busy server; one thread is fast enough
    "seed": 2019,
    "deterministic": True,
    "verbose": -1,
}
SEARCH: tuple[dict, ...] = (
    {"num_leaves": 7, "min_data_in_leaf": 100, "lambda_l2": 1.0, "learning_rate": 0.05},
    {"num_leaves": 15, "min_data_in_leaf": 80, "lambda_l2": 1.0, "learning_rate": 0.05},
    {"num_leaves": 15, "min_data_in_leaf": 300, "lambda_l2": 30.0, "learning_rate": 0.05, "feature_fraction": 0.7},
    {"num_leaves": 31, "min_data_in_leaf": 200, "lambda_l2": 10.0, "learning_rate": 0.05},
    {"num_leaves": 63, "min_data_in_leaf": 400, "lambda_l2": 10.0, "learning_rate": 0.05},
    # scikit-learn's HistGradientBoostingClassifier defaults, in LightGBM's terms
    {"num_leaves": 31, "min_data_in_leaf": 20, "lambda_l2": 0.0, "learning_rate": 0.1, "feature_fraction": 1.0,
     "bagging_fraction": 1.0, "bagging_freq": 0},
)  # fmt: skip
SPLINE = "spline_logistic_regression"


@dataclass
class Candidate:
    name: str
    kind: str  # "lightgbm" or "spline_logistic"
    params: dict
    complexity: float  # for ties: lower is simpler (the regression 0, trees 1; tied trees go by log-loss)
    validation_raw: np.ndarray  # log-odds on the validation slice (before calibration)
    validation_log_loss: float
    validation_auc: float | None
    rounds: int = 0
    booster: lgb.Booster | None = field(default=None, repr=False)
    linear: SplineLogistic | None = field(default=None, repr=False)

    def summary(self) -> dict:
        return {"name": self.name, "kind": self.kind, "params": self.params, "rounds": self.rounds,
                "validation_log_loss": self.validation_log_loss, "validation_auc": self.validation_auc}  # fmt: skip


def _scores(y: np.ndarray, raw: np.ndarray) -> tuple[float, float | None]:
    p = np.clip(1 / (1 + np.exp(-raw)), 1e-7, 1 - 1e-7)
    auc = float(roc_auc_score(y, p)) if 0 < y.sum() < len(y) else None
    return float(log_loss(y, p, labels=[0, 1])), auc


def _categorical(features: list[str]) -> list[int]:
    return [i for i, n in enumerate(features) if BY_NAME[n].categorical]


def fit_lightgbm(x: np.ndarray, y: np.ndarray, features: list[str], params: dict, rounds: int) -> lgb.Booster:
    dataset = lgb.Dataset(x, label=y, feature_name=features, categorical_feature=_categorical(features))
    return lgb.train({**COMMON, **params}, dataset, num_boost_round=rounds)


def _lightgbm_candidate(
    index: int, params: dict, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray,
    features: list[str],
) -> Candidate:  # fmt: skip
    categorical = _categorical(features)
    train = lgb.Dataset(x_train, label=y_train, feature_name=features, categorical_feature=categorical)
    valid = lgb.Dataset(x_val, label=y_val, reference=train)
    booster = lgb.train(
        {**COMMON, **params},
        train,
        num_boost_round=MAX_ROUNDS,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, verbose=False)],
    )
    rounds = max(int(booster.best_iteration or booster.current_iteration()), 1)
    raw = booster.predict(x_val, raw_score=True, num_iteration=rounds, num_threads=1)
    loss, auc = _scores(y_val, raw)
    return Candidate(
        name=f"lightgbm_{index + 1}", kind="lightgbm", params=dict(params), complexity=1.0,
        validation_raw=raw, validation_log_loss=loss, validation_auc=auc, rounds=rounds, booster=booster,
    )  # fmt: skip


def _spline_candidate(
    x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, features: list[str],
    categories: dict[str, list[str]],
) -> Candidate:  # fmt: skip
    linear = fit_spline_logistic(x_train, y_train, features, categories)
    raw = linear.raw_score(x_val)
    loss, auc = _scores(y_val, raw)
    return Candidate(
        name=SPLINE, kind="spline_logistic", params={"C": 1.0, "splines": "restricted cubic, 5 knots"},
        complexity=0.0, validation_raw=raw, validation_log_loss=loss, validation_auc=auc, linear=linear,
    )  # fmt: skip


def choose(candidates: list[Candidate]) -> tuple[Candidate, str]:
    """The winner on validation log-loss (ties, within TIE, to the simpler), and why, in words."""
    best = min(candidates, key=lambda c: c.validation_log_loss)
    tied = [c for c in candidates if c.validation_log_loss <= best.validation_log_loss + TIE]
    winner = min(tied, key=lambda c: (c.complexity, c.validation_log_loss))
    others = sorted((c for c in candidates if c is not winner), key=lambda c: c.validation_log_loss)
    runner = others[0] if others else None
    if winner is best:
        reason = f"lowest validation log-loss ({winner.validation_log_loss:.4f}"
        reason += f"; next {runner.name} {runner.validation_log_loss:.4f})" if runner else ")"
    else:
        reason = (
            f"validation log-loss {winner.validation_log_loss:.4f}, within {TIE} of the lowest "
            f"({best.name} {best.validation_log_loss:.4f}), and simpler"
        )
    return winner, reason


def search(
    *,
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    features: list[str],
    categories: dict[str, list[str]],
    prior_dna_rate_val: np.ndarray,
    kinds: tuple[str, ...] = ("lightgbm", "spline_logistic"),
) -> tuple[Candidate, dict]:
    """Fit every candidate on the training slice, compare them on the validation slice, pick one.

    Returns the winner (fitted on training only) and the record for the registry.
    """
    candidates: list[Candidate] = []
    if "spline_logistic" in kinds:
        candidates.append(_spline_candidate(x_train, y_train, x_val, y_val, features, categories))
    if "lightgbm" in kinds:
        candidates += [
            _lightgbm_candidate(i, p, x_train, y_train, x_val, y_val, features) for i, p in enumerate(SEARCH)
        ]
    winner, reason = choose(candidates)
    p_gbm = np.clip(gradient_boosting_defaults(x_train, y_train, x_val, features), 1e-7, 1 - 1e-7)
    p_rule = np.clip(prior_rate_rule(prior_dna_rate_val, float(y_train.mean())), 1e-7, 1 - 1e-7)
    both = 0 < y_val.sum() < len(y_val)
    baselines = {
        name: {"validation_log_loss": float(log_loss(y_val, p, labels=[0, 1])),
               "validation_auc": float(roc_auc_score(y_val, p)) if both else None}
        for name, p in (("gradient_boosting_defaults", p_gbm), ("prior_dna_rate_rule", p_rule))
    }  # fmt: skip
    spline = next((c for c in candidates if c.name == SPLINE), None)
    if spline is not None:
        baselines[SPLINE] = {"validation_log_loss": spline.validation_log_loss, "validation_auc": spline.validation_auc}
    record = {
        "winner": winner.name,
        "kind": winner.kind,
        "reason": reason,
        "tie": TIE,
        "candidates": [c.summary() for c in candidates],
        "baselines_on_validation": baselines,
    }
    return winner, record
