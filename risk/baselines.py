"""The baselines a sceptic would pick, fitted on exactly the rows the model was.

- `spline_logistic_regression`: risk.linear, numeric inputs on a sensible scale.
- `gradient_boosting_defaults`: scikit-learn's HistGradientBoostingClassifier with its
  defaults (the categorical inputs declared categorical; a fixed random state for its
  internal early-stopping split, so a run can be repeated).
- `prior_dna_rate_rule`: the patient's own DNA rate so far (the trust's rate for someone
  with no history): the rule many trusts use today.

Each is judged on the same rows as the model, and the model card says, with DeLong's
test, whether the model is better than, worse than or not significantly different from each.
"""

from __future__ import annotations

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier

from risk.features import BY_NAME
from risk.linear import fit_spline_logistic

BASELINES = ("spline_logistic_regression", "gradient_boosting_defaults", "prior_dna_rate_rule")


def prior_rate_rule(prior_dna_rate: np.ndarray, base_rate: float) -> np.ndarray:
    return np.where(np.isnan(prior_dna_rate), base_rate, prior_dna_rate)


def gradient_boosting_defaults(
    x_fit: np.ndarray, y_fit: np.ndarray, x_eval: np.ndarray, features: list[str]
) -> np.ndarray:
    # A column with no known value on the rows it learns from (every value pooled away in a short
    # slice) carries nothing; scikit-learn cannot bin it, so it is left out of this baseline.
    usable = ~np.isnan(x_fit).all(axis=0)
    categorical = [BY_NAME[n].categorical for n, keep in zip(features, usable, strict=True) if keep]
    model = HistGradientBoostingClassifier(categorical_features=categorical, random_state=0)
    return model.fit(x_fit[:, usable], y_fit).predict_proba(x_eval[:, usable])[:, 1]


def baseline_predictions(
    *,
    x_fit: np.ndarray,
    y_fit: np.ndarray,
    x_eval: np.ndarray,
    prior_dna_rate_eval: np.ndarray,
    features: list[str],
    categories: dict[str, list[str]],
) -> dict[str, np.ndarray]:
    """Each baseline fitted on (x_fit, y_fit) and predicting the x_eval rows."""
    linear = fit_spline_logistic(x_fit, y_fit, features, categories)
    return {
        "spline_logistic_regression": 1 / (1 + np.exp(-linear.raw_score(x_eval))),
        "gradient_boosting_defaults": gradient_boosting_defaults(x_fit, y_fit, x_eval, features),
        "prior_dna_rate_rule": prior_rate_rule(prior_dna_rate_eval, float(y_fit.mean())),
    }
