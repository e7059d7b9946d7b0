"""Formatting a registry row for the model card page (numbers as people read them)."""

from __future__ import annotations

from dataclasses import dataclass

from config.disclosure import rate_is_disclosive
from risk.features import BY_NAME
from risk.models import RiskModel

MODELS = (("model", "This model"), ("logistic_regression", "Logistic regression"),
          ("prior_dna_rate_rule", "Prior DNA rate rule"))  # fmt: skip
METRICS = (
    ("auc", "AUC (ranking: 0.5 is chance, 1 is perfect)", 3),
    ("pr_auc", "PR-AUC (ranking of the rarer DNAs)", 3),
    ("brier", "Brier score (lower is better)", 4),
    ("calibration_slope", "Calibration slope (1 is ideal)", 2),
    ("calibration_intercept", "Calibration intercept (0 is ideal)", 2),
    ("ece", "Expected calibration error (lower is better)", 4),
    ("recall_top_10", "Share of DNAs reached calling the top 10% each day", None),
    ("precision_top_10", "Share of the top 10% each day who did not attend", None),
    ("recall_top_20", "Share of DNAs reached calling the top 20% each day", None),
    ("precision_top_20", "Share of the top 20% each day who did not attend", None),
)
BASELINE_PHRASES = (("logistic_regression", "a logistic regression on the same features"),
                    ("prior_dna_rate_rule", "the prior DNA rate rule"))  # fmt: skip
GROUPINGS = (("imd_quintile", "IMD quintile (1 = most deprived)"), ("sex", "Sex"), ("age_band", "Age band"),
             ("ethnic_group", "Ethnic group (used only to check the model, never as an input)"))  # fmt: skip


def number(value: float | None, places: int | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if places is None else f"{value:.{places}f}"


def _comparison(baseline: str, d: dict[str, float]) -> str:
    interval = f"95% CI {d['ci_low']:+.3f} to {d['ci_high']:+.3f}"
    p = "p < 0.001" if d["p_value"] < 0.001 else f"p = {d['p_value']:.3f}"
    if d["ci_low"] > 0:
        verdict = "ranks better than"
    elif d["ci_high"] < 0:
        verdict = "ranks worse than"
    else:
        verdict = "cannot be told apart from"
    return f"The model {verdict} {baseline}: AUC {d['difference']:+.3f} ({interval}; {p})."


@dataclass(frozen=True)
class FairnessRow:
    group: str
    rows: str
    dnas: str
    dna_rate: str
    mean_predicted: str
    auc: str
    ece: str
    recall_top_10: str
    recall_top_20: str
    precision_top_10: str


class RiskModelPresenter:
    def __init__(self, model: RiskModel) -> None:
        self.model = model

    @property
    def title(self) -> str:
        return f"Risk model v{self.model.version}"

    @property
    def status(self) -> str:
        return "Active: scores upcoming appointments" if self.model.is_active else "Not active"

    @property
    def features(self) -> list[str]:
        return [BY_NAME[n].label if n in BY_NAME else n for n in self.model.features]

    @property
    def rows(self) -> dict[str, int]:
        return self.model.parameters.get("rows", {})

    @property
    def parameters(self) -> list[tuple[str, str]]:
        hidden = {"categories", "rows", "verbose", "deterministic"}
        return [(k, str(v)) for k, v in sorted(self.model.parameters.items()) if k not in hidden]

    @property
    def headline_auc(self) -> str:
        return number(self.model.metrics.get("model", {}).get("auc"), 3)

    @property
    def model_names(self) -> list[str]:
        return [label for key, label in MODELS if key in self.model.metrics]

    @property
    def metric_rows(self) -> list[tuple[str, list[str]]]:
        keys = [key for key, _ in MODELS if key in self.model.metrics]
        return [
            (label, [number(self.model.metrics[k].get(metric), places) for k in keys])
            for metric, label, places in METRICS
        ]

    @property
    def comparisons(self) -> list[str]:
        """Whether the model ranks better than each baseline, in a sentence (DeLong's test on the hold-out)."""
        above = self.model.metrics.get("model", {}).get("auc_above", {})
        return [_comparison(phrase, above[key]) for key, phrase in BASELINE_PHRASES if key in above]

    @property
    def fairness_tables(self) -> list[tuple[str, list[FairnessRow]]]:
        tables = []
        for key, title in GROUPINGS:
            groups = self.model.fairness.get(key, {})
            tables.append((title, [self._fairness_row(label, groups[label].get("model", {})) for label in groups]))
        return tables

    @staticmethod
    def _fairness_row(label: str, m: dict) -> FairnessRow:
        rows, dnas = m.get("rows", 0), m.get("dnas", 0)
        # The reports' rule (DESIGN.md): a rate with its count also reveals the attendances,
        # so DNAs and attendances must both be 5 or more for any of the group to be shown.
        if rate_is_disclosive(dnas, rows):
            return FairnessRow(label, *(["suppressed"] * 9))
        return FairnessRow(
            group=label,
            rows=f"{rows:,}",
            dnas=f"{dnas:,}",
            dna_rate=number(m.get("dna_rate"), None),
            mean_predicted=number(m.get("mean_predicted"), None),
            auc=number(m.get("auc"), 3),
            ece=number(m.get("ece"), 4),
            recall_top_10=number(m.get("recall_top_10"), None),
            recall_top_20=number(m.get("recall_top_20"), None),
            precision_top_10=number(m.get("precision_top_10"), None),
        )
