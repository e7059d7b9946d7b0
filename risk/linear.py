"""A logistic regression a statistician would accept, stored as numbers.

Numeric inputs go in on a sensible scale, not raw: counts as log(1 + n) with a "none"
flag; booking lead time, days since the last DNA and the time of day as restricted
cubic (natural) splines, linear beyond the outer knots (Harrell, Regression Modeling
Strategies, §2.4.5), with knots at fixed quantiles of the training values; rates with
a flag for "no history"; ordinal and categorical inputs one-hot. Every column is then
standardised and an L2-penalised logistic regression is fitted.

It is the main baseline the model card compares with, and one of the candidates the
trust's own data may choose (risk.candidates). Everything a fitted one needs — knots,
levels, means, scales, coefficients — is plain JSON, so it is stored like the trees are:
as data, never a pickle. Its per-feature contributions (coefficient × standardised
column, summed over the feature's columns) add up exactly to the log-odds, so reasons
come from it the same way as from the trees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression

from risk.features import BY_NAME

COUNTS = frozenset({"prior_dnas", "prior_dnas_12m", "dnas_in_last_4", "prior_attendances",
                    "prior_patient_cancellations"})  # fmt: skip
RATES = frozenset({"prior_dna_rate", "prior_dna_rate_12m"})
# Continuous inputs as natural splines, on the log scale where the effect fades with size.
SPLINES = {"booking_lead_days": True, "days_since_last_dna": True, "hour": False}
LEVELS = frozenset({"age_band", "weekday", "imd_decile"})  # small ordinal codes: one column per value seen
KNOT_QUANTILES = (0.05, 0.275, 0.5, 0.725, 0.95)  # Harrell's five knots
PENALTY_C = 1.0


def _rcs_basis(x: np.ndarray, knots: list[float]) -> np.ndarray:
    """Restricted cubic spline columns: x, then one per inner knot (k knots give k − 1 columns)."""
    t = np.asarray(knots, dtype=np.float64)
    columns = [x]
    if len(t) >= 3:
        scale = (t[-1] - t[0]) ** 2
        for j in range(len(t) - 2):
            cube = (
                np.maximum(x - t[j], 0) ** 3
                - np.maximum(x - t[-2], 0) ** 3 * (t[-1] - t[j]) / (t[-1] - t[-2])
                + np.maximum(x - t[-1], 0) ** 3 * (t[-2] - t[j]) / (t[-1] - t[-2])
            )
            columns.append(cube / scale)
    return np.column_stack(columns)


@dataclass
class _Input:
    """How one feature becomes columns: `kind` and what was learned from the training rows."""

    name: str
    kind: str  # count, rate, spline, levels, category, binary
    log: bool = False
    knots: list[float] = field(default_factory=list)
    levels: list[float] = field(default_factory=list)
    width: int = 0  # for a category: the size of the stored vocabulary

    def columns(self, x: np.ndarray) -> np.ndarray:
        missing = np.isnan(x)
        if self.kind == "count":
            value = np.log1p(np.maximum(np.nan_to_num(x), 0))
            return np.column_stack([value, (value > 0).astype(np.float64)])
        if self.kind == "rate":
            return np.column_stack([np.nan_to_num(x), missing.astype(np.float64)])
        if self.kind == "spline":
            value = np.maximum(np.nan_to_num(x, nan=self.knots[0] if self.knots else 0.0), 0)
            value = np.log1p(value) if self.log else value
            basis = _rcs_basis(value, self.knots)
            basis[missing] = 0.0
            return np.column_stack([basis, missing.astype(np.float64)])
        if self.kind in ("levels", "category"):
            values = self.levels if self.kind == "levels" else list(range(self.width))
            onehot = np.column_stack([x == v for v in values] + [missing]).astype(np.float64)
            return onehot
        return np.nan_to_num(x)[:, None]

    def as_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "log": self.log, "knots": self.knots, "levels": self.levels,
                "width": self.width}  # fmt: skip


def _learn_input(name: str, x: np.ndarray, width: int) -> _Input:
    if BY_NAME[name].categorical:
        return _Input(name, "category", width=width)
    if name in COUNTS:
        return _Input(name, "count")
    if name in RATES:
        return _Input(name, "rate")
    if name in SPLINES:
        log = SPLINES[name]
        seen = x[~np.isnan(x)]
        seen = np.log1p(np.maximum(seen, 0)) if log else seen
        knots = sorted(set(np.quantile(seen, KNOT_QUANTILES).round(6).tolist())) if len(seen) else [0.0]
        return _Input(name, "spline", log=log, knots=knots)
    if name in LEVELS:
        return _Input(name, "levels", levels=sorted(set(x[~np.isnan(x)].tolist())))
    return _Input(name, "binary")


EXPAND_BLOCK = 65_536  # rows expanded at a time, so the pieces of one feature never exist for every row at once


def _expand(inputs: list[_Input], matrix: np.ndarray) -> np.ndarray:
    """Every input's columns side by side (rows × expanded columns), written a block of rows at a time
    into one array: the expanded matrix is the regression's largest, and is never copied whole."""
    width = sum(spec.columns(matrix[:0, i]).shape[1] for i, spec in enumerate(inputs))
    expanded = np.empty((len(matrix), width), dtype=np.float64)
    for start in range(0, len(matrix), EXPAND_BLOCK):
        block = matrix[start : start + EXPAND_BLOCK]
        expanded[start : start + len(block)] = np.hstack([spec.columns(block[:, i]) for i, spec in enumerate(inputs)])
    return expanded


def _column_sums(blocks: Iterable[np.ndarray]) -> np.ndarray:
    """Each column's sum over the blocks of rows, added row after row as numpy sums a whole matrix down its
    columns (the running total is the first row of the next block's sum), so the same number to the last bit."""
    total = None
    for block in blocks:
        total = np.add.reduce(block if total is None else np.vstack([total[None], block]), axis=0)
    return total


def _mean_and_std(expanded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """expanded.mean(axis=0) and expanded.std(axis=0), the same numbers, a block of rows at a time: numpy's
    own std holds a squared copy of the whole matrix."""
    if len(expanded) <= EXPAND_BLOCK:
        return expanded.mean(axis=0), expanded.std(axis=0)
    starts = range(0, len(expanded), EXPAND_BLOCK)
    mean = _column_sums(expanded[s : s + EXPAND_BLOCK] for s in starts) / len(expanded)
    squares = (np.square(expanded[s : s + EXPAND_BLOCK] - mean) for s in starts)
    return mean, np.sqrt(_column_sums(squares) / len(expanded))


def _standardise(expanded: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """(expanded − mean) / scale, in place."""
    expanded -= mean
    expanded /= scale
    return expanded


@dataclass
class SplineLogistic:
    """A fitted spline logistic regression over the design matrix's features (see the module docstring)."""

    features: list[str]
    inputs: list[_Input]
    mean: np.ndarray
    scale: np.ndarray
    coefficients: np.ndarray
    intercept: float

    def _expanded(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The standardised columns, and for each the index of the feature it came from."""
        widths = [spec.columns(matrix[:0, i]).shape[1] for i, spec in enumerate(self.inputs)]
        owner = np.repeat(np.arange(len(widths)), widths)
        return _standardise(_expand(self.inputs, matrix), self.mean, self.scale), owner

    def raw_score(self, matrix: np.ndarray) -> np.ndarray:
        z, _ = self._expanded(matrix)
        return z @ self.coefficients + self.intercept

    def contributions(self, matrix: np.ndarray) -> np.ndarray:
        """Rows × features+1: each feature's share of the log-odds (its columns summed), the bias last."""
        z, owner = self._expanded(matrix)
        result = np.zeros((len(matrix), len(self.features) + 1))
        np.add.at(result.T, owner, (z * self.coefficients).T)
        result[:, -1] = self.intercept
        return result

    def as_dict(self) -> dict:
        return {
            "features": self.features,
            "inputs": [spec.as_dict() for spec in self.inputs],
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coefficients": self.coefficients.tolist(),
            "intercept": self.intercept,
        }

    @classmethod
    def from_dict(cls, data: dict) -> SplineLogistic:
        return cls(
            features=list(data["features"]),
            inputs=[_Input(**spec) for spec in data["inputs"]],
            mean=np.asarray(data["mean"], dtype=np.float64),
            scale=np.asarray(data["scale"], dtype=np.float64),
            coefficients=np.asarray(data["coefficients"], dtype=np.float64),
            intercept=float(data["intercept"]),
        )


def fit_spline_logistic(
    matrix: np.ndarray, y: np.ndarray, features: list[str], categories: dict[str, list[str]]
) -> SplineLogistic:
    """Learn the scales (knots, levels) and the coefficients from these training rows only."""
    inputs = [_learn_input(name, matrix[:, i], len(categories.get(name, []))) for i, name in enumerate(features)]
    expanded = _expand(inputs, matrix)
    mean, scale = _mean_and_std(expanded)
    scale[scale == 0] = 1.0  # a constant column: left as it is, it gets no weight
    regression = LogisticRegression(C=PENALTY_C, max_iter=5000).fit(_standardise(expanded, mean, scale), y)
    return SplineLogistic(
        features=list(features),
        inputs=inputs,
        mean=mean,
        scale=scale,
        coefficients=regression.coef_[0].astype(np.float64),
        intercept=float(regression.intercept_[0]),
    )
