"""How good a set of predictions is, in the terms the model card reports.

Discrimination (AUC, PR-AUC), accuracy of the probabilities (Brier score, calibration
slope and intercept, expected calibration error), and what call handlers would get
from calling the top 10% or 20% of each day's appointments (recall and precision).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm, rankdata
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

ECE_BINS = 10
TOP_SHARES = (0.10, 0.20)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def _fit_logistic(x: np.ndarray, y: np.ndarray, *, offset: np.ndarray | None = None) -> np.ndarray:
    """Unpenalised logistic regression by Newton's method (for a column or two)."""
    beta = np.zeros(x.shape[1])
    offset = np.zeros(len(y)) if offset is None else offset
    for _ in range(50):
        p = 1 / (1 + np.exp(-np.clip(x @ beta + offset, -30, 30)))
        gradient = x.T @ (y - p)
        hessian = (x * (p * (1 - p))[:, None]).T @ x + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def calibration_slope_intercept(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Slope: b in logit P(y) = a + b·logit p. Intercept (calibration-in-the-large): a with b fixed at 1."""
    lp = _logit(p)
    slope = _fit_logistic(np.column_stack([np.ones_like(lp), lp]), y)[1]
    intercept = _fit_logistic(np.ones((len(y), 1)), y, offset=lp)[0]
    return float(slope), float(intercept)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, bins: int = ECE_BINS) -> float:
    """Σ over equal-width probability bins of (share of rows) × |mean predicted − observed rate|."""
    which = np.minimum((p * bins).astype(int), bins - 1)
    predicted = np.bincount(which, weights=p, minlength=bins)
    observed = np.bincount(which, weights=y, minlength=bins)
    return float(np.abs(predicted - observed).sum() / len(y))


def top_of_day_flags(day: np.ndarray, p: np.ndarray, share: float) -> np.ndarray:
    """True for the `share` of each day's appointments with the highest predictions (at least one a day)."""
    order = np.lexsort((-p, day))
    sorted_day = day[order]
    starts = np.r_[0, np.flatnonzero(sorted_day[1:] != sorted_day[:-1]) + 1]
    sizes = np.diff(np.r_[starts, len(day)])
    position = np.arange(len(day)) - np.repeat(starts, sizes)
    quota = np.repeat(np.maximum(1, np.ceil(share * sizes)), sizes)
    flags = np.zeros(len(day), dtype=bool)
    flags[order] = position < quota
    return flags


def evaluate(y: np.ndarray, p: np.ndarray, flags: dict[float | str, np.ndarray]) -> dict[str, float | int | None]:
    """Every measure the model card reports, for one set of predictions. `flags` are the top-of-day selections, computed
    over the whole day's list (so a subgroup's figures say what the shared list gives that group), keyed by the
    share of the day called (0.1 gives recall_top_10) or by a name ("capacity" gives recall_capacity)."""
    y = y.astype(np.float64)
    both = 0 < y.sum() < len(y)
    result: dict[str, float | int | None] = {
        "rows": len(y),
        "dnas": int(y.sum()),
        "dna_rate": float(y.mean()) if len(y) else None,
        "mean_predicted": float(p.mean()) if len(y) else None,
        "auc": float(roc_auc_score(y, p)) if both else None,
        "pr_auc": float(average_precision_score(y, p)) if both else None,
        "brier": float(brier_score_loss(y, p)) if len(y) else None,
        "calibration_slope": None,
        "calibration_intercept": None,
        "ece": expected_calibration_error(y, p) if len(y) else None,
    }
    if both:
        result["calibration_slope"], result["calibration_intercept"] = calibration_slope_intercept(y, p)
        _, result["auc_low"], result["auc_high"] = auc_interval(y, p)
    for share, flagged in flags.items():
        label = share if isinstance(share, str) else f"top_{round(share * 100)}"
        called_dnas = float((y * flagged).sum())
        result[f"recall_{label}"] = called_dnas / float(y.sum()) if y.sum() else None
        result[f"precision_{label}"] = called_dnas / float(flagged.sum()) if flagged.sum() else None
    return result


def _delong(y: np.ndarray, predictions: tuple[np.ndarray, ...]) -> tuple[list[float], np.ndarray]:
    """Each prediction set's AUC and the covariance matrix of the AUCs (DeLong's structural components)."""
    y = y.astype(bool)
    positives, negatives = int(y.sum()), int((~y).sum())
    if not positives or not negatives:
        raise ValueError("An AUC needs both outcomes among the rows.")
    aucs, v_pos, v_neg = [], [], []
    for p in predictions:
        x, z = p[y], p[~y]
        rank_all = rankdata(np.concatenate([x, z]))
        rank_pos, rank_neg = rankdata(x), rankdata(z)
        aucs.append(float((rank_all[:positives].sum() / positives - (positives + 1) / 2) / negatives))
        v_pos.append((rank_all[:positives] - rank_pos) / negatives)
        v_neg.append(1.0 - (rank_all[positives:] - rank_neg) / positives)
    covariance = np.atleast_2d(np.cov(np.array(v_pos)) / positives + np.cov(np.array(v_neg)) / negatives)
    return aucs, covariance


def auc_interval(y: np.ndarray, p: np.ndarray, *, level: float = 0.95) -> tuple[float, float | None, float | None]:
    """(AUC, low, high): the AUC with its DeLong confidence interval, clipped to [0, 1]; no interval
    (None) when either outcome has fewer than two rows, which leaves its variance undefined."""
    if min(int(y.sum()), int(len(y) - y.sum())) < 2:
        return float(roc_auc_score(y, p)), None, None
    aucs, covariance = _delong(y, (p,))
    margin = float(norm.ppf(0.5 + level / 2)) * float(np.sqrt(max(covariance[0, 0], 0.0)))
    return aucs[0], max(aucs[0] - margin, 0.0), min(aucs[0] + margin, 1.0)


def auc_difference(y: np.ndarray, p_a: np.ndarray, p_b: np.ndarray, *, level: float = 0.95) -> dict[str, float]:
    """AUC(p_a) − AUC(p_b) on the same rows, with its confidence interval and two-sided p-value.

    DeLong, DeLong & Clarke-Pearson (1988), in the fast form of Sun & Xu (2014): each AUC's
    structural components over the DNAs and over the attendances give the covariance of the
    two AUCs, so the difference's variance allows for the two sets of predictions being correlated.
    """
    if min(int(y.sum()), int(len(y) - y.sum())) < 2:
        raise ValueError("A difference of AUCs needs both outcomes, with at least two rows of each.")
    aucs, covariance = _delong(y, (p_a, p_b))
    difference = float(aucs[0] - aucs[1])
    se = float(np.sqrt(max(covariance[0, 0] + covariance[1, 1] - 2 * covariance[0, 1], 0.0)))
    margin = float(norm.ppf(0.5 + level / 2)) * se
    p_value = float(2 * norm.sf(abs(difference) / se)) if se > 0 else 1.0  # identical rankings
    return {"difference": difference, "ci_low": difference - margin, "ci_high": difference + margin,
            "p_value": p_value}  # fmt: skip
