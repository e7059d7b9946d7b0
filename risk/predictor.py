"""A fitted risk model as data: LightGBM's own text format, or a spline logistic regression's
numbers (risk.linear), plus JSON parameters.

Nothing here unpickles anything: the booster is rebuilt from LightGBM's model text, the
regression and the calibrator from a handful of numbers, so loading a stored model
cannot run code. Which kind of model a trust's data chose (risk.candidates) makes no
difference to scoring: both give a raw score (log-odds), per-feature contributions
that add up to it, and a calibrated probability.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
from scipy import sparse

from risk.features import BY_NAME, check_feature_names, design_matrix
from risk.linear import SplineLogistic
from risk.models import RiskBand

ARTIFACT_FORMAT = "attend-risk-model/2"
READABLE_FORMATS = ("attend-risk-model/1", ARTIFACT_FORMAT)  # /1: LightGBM only, before candidates were chosen
CONTRIBUTION_BATCH = 8192  # rows per pass when summing path attributions


class ArtifactError(ValueError):
    """A stored model that cannot be used: corrupt, tampered with, or not matching its features."""


@dataclass
class Calibrator:
    """Maps the booster's raw score (log-odds) to a calibrated probability.

    `platt`: p = logistic(a + b·raw). `isotonic`: piecewise-linear through (x, y) points, clipped.
    """

    kind: str
    a: float = 0.0
    b: float = 1.0
    x: list[float] = field(default_factory=list)
    y: list[float] = field(default_factory=list)

    def __call__(self, raw: np.ndarray) -> np.ndarray:
        if self.kind == "platt":
            return 1 / (1 + np.exp(-(self.a + self.b * raw)))
        return np.clip(np.interp(raw, self.x, self.y), 1e-4, 1 - 1e-4)

    def as_dict(self) -> dict:
        if self.kind == "platt":
            return {"kind": "platt", "a": self.a, "b": self.b}
        return {"kind": "isotonic", "x": self.x, "y": self.y}

    @classmethod
    def from_dict(cls, data: dict) -> Calibrator:
        if data.get("kind") == "platt":
            return cls(kind="platt", a=float(data["a"]), b=float(data["b"]))
        if data.get("kind") == "isotonic" and len(data.get("x", [])) == len(data.get("y", [])) > 0:
            return cls(kind="isotonic", x=[float(v) for v in data["x"]], y=[float(v) for v in data["y"]])
        raise ArtifactError("The stored calibrator is not one Attend knows (platt or isotonic).")


def _walk(node: dict, credit: np.ndarray, table: np.ndarray) -> None:
    for side in ("left_child", "right_child"):
        child = node[side]
        value = child["leaf_value"] if "leaf_value" in child else child["internal_value"]
        step = credit.copy()
        step[node["split_feature"]] += value - node["internal_value"]
        if "leaf_value" in child:
            table[child["leaf_index"]] = step
        else:
            _walk(child, step, table)


@dataclass
class Predictor:
    booster: lgb.Booster | None
    calibrator: Calibrator
    features: list[str]
    categories: dict[str, list[str]]
    # Probability at or above which an appointment is in the high / medium band.
    band_thresholds: dict[str, float]
    linear: SplineLogistic | None = None  # instead of the booster, when the trust's data chose it
    # Discrete numeric values too rare in training to learn from, read as missing (features.rare_values_of).
    rare: dict[str, list[float]] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return "spline_logistic" if self.linear is not None else "lightgbm"

    def matrix(self, columns: dict[str, np.ndarray]) -> np.ndarray:
        return design_matrix(columns, self.features, self.categories, self.rare)

    def raw_score(self, matrix: np.ndarray) -> np.ndarray:
        if self.linear is not None:
            return self.linear.raw_score(matrix)
        return self.booster.predict(matrix, raw_score=True, num_threads=1)

    def probability(self, matrix: np.ndarray) -> np.ndarray:
        return self.calibrator(self.raw_score(matrix))

    def contributions(self, matrix: np.ndarray, *, exact: bool = False) -> np.ndarray:
        """Per-row, per-feature contributions to the raw score (rows × features+1; the last column is the bias).

        Both kinds add up exactly to each row's raw score. `exact=True` gives TreeSHAP values
        (`booster.predict(pred_contrib=True)`), which cost milliseconds a row: too slow for a
        nightly run over every upcoming appointment. The default gives path attributions
        (Saabas): in each tree, the change in expected score at every split on the row's path
        is credited to that split's feature — the same per-row idea at the cost of a prediction.
        For a spline logistic regression both are its exact terms (coefficient × standardised column).
        """
        if self.linear is not None:
            return self.linear.contributions(matrix)
        if exact:
            return self.booster.predict(matrix, pred_contrib=True, num_threads=1)
        table, offsets, bias = self._path_table()
        rows = len(matrix)
        result = np.empty((rows, table.shape[1] + 1))
        result[:, -1] = bias
        # In batches of rows: the leaf indices and the 0/1 matrix of a whole chunk run to hundreds of
        # megabytes, and allocating them costs more than the sums. Each row's sum is the same either way.
        for first in range(0, rows, CONTRIBUTION_BATCH):
            part = matrix[first : first + CONTRIBUTION_BATCH]
            leaves = self.booster.predict(part, pred_leaf=True, num_threads=1).reshape(len(part), -1)
            # Row i picks one leaf per tree: a sparse 0/1 matrix times the stacked leaf table sums them in C.
            picks = (leaves + offsets.astype(leaves.dtype)).ravel()
            picks = sparse.csr_matrix(
                (np.ones(picks.size), picks, np.arange(0, picks.size + 1, leaves.shape[1], dtype=picks.dtype)),
                shape=(len(part), len(table)),
            )
            result[first : first + len(part), :-1] = picks @ table
        return result

    def _path_table(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Every tree's leaves stacked: (all leaves × features) path attributions, each tree's first row, the bias."""
        if getattr(self, "_paths", None) is None:
            n = len(self.features)
            tables, bias = [], 0.0
            for tree in self.booster.dump_model()["tree_info"]:
                root = tree["tree_structure"]
                table = np.zeros((max(1, tree["num_leaves"]), n))
                if "leaf_value" in root:
                    bias += root["leaf_value"]
                else:
                    bias += root["internal_value"]
                    _walk(root, np.zeros(n), table)
                tables.append(table)
            offsets = np.cumsum([0] + [len(t) for t in tables[:-1]])
            self._paths = (np.vstack(tables), offsets, bias)
        return self._paths

    def bands(self, probability: np.ndarray) -> np.ndarray:
        return np.where(
            probability >= self.band_thresholds["high"],
            RiskBand.HIGH.value,
            np.where(probability >= self.band_thresholds["medium"], RiskBand.MEDIUM.value, RiskBand.LOW.value),
        )

    def to_artifact(self) -> bytes:
        model = (
            {"linear": self.linear.as_dict()}
            if self.linear is not None
            else {"booster": self.booster.model_to_string()}
        )
        return json.dumps(
            {
                "format": ARTIFACT_FORMAT,
                "kind": self.kind,
                "features": self.features,
                "categories": self.categories,
                "rare": self.rare,
                "band_thresholds": self.band_thresholds,
                "calibrator": self.calibrator.as_dict(),
                **model,
            },
            sort_keys=True,
        ).encode()

    @classmethod
    def from_artifact(cls, artifact: bytes, *, expected_features: list[str]) -> Predictor:
        try:
            data = json.loads(bytes(artifact).decode())
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ArtifactError("The stored model is not a JSON model file (Attend never loads pickles).") from None
        if not isinstance(data, dict) or data.get("format") not in READABLE_FORMATS:
            raise ArtifactError(f"The stored model is not in Attend's format ({ARTIFACT_FORMAT}).")
        features = list(data.get("features") or [])
        if features != list(expected_features):
            raise ArtifactError(
                f"The model file's features ({', '.join(features)}) do not match its registry entry "
                f"({', '.join(expected_features)})."
            )
        try:
            check_feature_names(features)
        except ValueError as exc:
            raise ArtifactError(f"The model uses features Attend cannot compute: {exc}") from None
        booster, linear = None, None
        if data.get("kind", "lightgbm") == "spline_logistic":
            try:
                linear = SplineLogistic.from_dict(data["linear"])
            except (KeyError, TypeError, ValueError):
                raise ArtifactError("The stored logistic regression could not be read.") from None
            if linear.features != features or len(linear.inputs) != len(features):
                raise ArtifactError("The logistic regression was fitted on other features than it is registered with.")
        else:
            try:
                booster = lgb.Booster(model_str=data["booster"])
            except (lgb.basic.LightGBMError, KeyError, TypeError):
                raise ArtifactError("The stored LightGBM model text could not be read.") from None
            if booster.feature_name() != features:
                raise ArtifactError(
                    f"The LightGBM model was trained on {', '.join(booster.feature_name())}, "
                    f"not the features it is registered with."
                )
        categories = {k: [str(v) for v in vs] for k, vs in (data.get("categories") or {}).items()}
        missing = [n for n in features if BY_NAME[n].categorical and n not in categories]
        if missing:
            raise ArtifactError(f"The model file has no categories for {', '.join(missing)}.")
        thresholds = data.get("band_thresholds") or {}
        if not {"high", "medium"} <= set(thresholds):
            raise ArtifactError("The model file has no risk band thresholds.")
        return cls(
            booster=booster,
            calibrator=Calibrator.from_dict(data.get("calibrator") or {}),
            features=features,
            categories=categories,
            band_thresholds={k: float(v) for k, v in thresholds.items()},
            linear=linear,
            rare={k: [float(v) for v in vs] for k, vs in (data.get("rare") or {}).items() if k in features},
        )
