"""Formatting a registry row for the model card page (numbers as people read them)."""

from __future__ import annotations

from dataclasses import dataclass

from config.disclosure import AdditiveGroup, Audience, rate_is_disclosive, withheld_cells_and_zeros
from risk.features import BY_NAME
from risk.models import RiskModel

MODELS = (
    ("model", "This model"),
    ("spline_logistic_regression", "Logistic regression (splines)"),
    ("gradient_boosting_defaults", "Gradient boosting (scikit-learn defaults)"),
    ("prior_dna_rate_rule", "Prior DNA rate rule"),
    ("logistic_regression", "Logistic regression (linear inputs)"),  # models trained before the spline baseline
)
LABELS = dict(MODELS)
METRICS = (
    ("auc", "AUC (ranking: 0.5 is chance, 1 is perfect)", 3),
    ("pr_auc", "PR-AUC (ranking of the rarer DNAs)", 3),
    ("brier", "Brier score (lower is better)", 4),
    ("calibration_slope", "Calibration slope (1 is ideal)", 2),
    ("calibration_intercept", "Calibration intercept (0 is ideal)", 2),
    ("mean_predicted", "Mean predicted DNA risk", None),
    ("dna_rate", "Observed DNA rate", None),
    ("ece", "Expected calibration error (lower is better)", 4),
    ("recall_top_10", "Share of DNAs reached calling the top 10% each day", None),
    ("precision_top_10", "Share of the top 10% each day who did not attend", None),
    ("recall_top_20", "Share of DNAs reached calling the top 20% each day", None),
    ("precision_top_20", "Share of the top 20% each day who did not attend", None),
    ("recall_capacity", "Share of DNAs reached at the teams' capacity", None),
    ("precision_capacity", "Share of those called at capacity who did not attend", None),
)
BASELINE_PHRASES = (
    ("spline_logistic_regression", "a logistic regression with splines for lead time and history"),
    ("gradient_boosting_defaults", "scikit-learn's gradient boosting with its defaults"),
    ("prior_dna_rate_rule", "the prior DNA rate rule"),
    ("logistic_regression", "a logistic regression on the same features"),
)
POPULATION_KEYS = ("as_deployed", "all")


def population_label(key: str, metrics: dict) -> str:
    """What a population is, in words, from what the registry row recorded about it."""
    about = metrics.get("populations", {}).get(key, {})
    rows = f" ({about['rows']:,} appointments)" if "rows" in about else ""
    if key == "as_deployed":
        days = about.get("booked_days_ahead_at_least", "?")
        return f"As deployed: appointments booked at least {days} days ahead, so they could be on a call list{rows}"
    return f"All hold-out appointments, including those booked too late to be called{rows}"


GROUPINGS = (("imd_quintile", "IMD quintile (1 = most deprived)"), ("sex", "Sex"), ("age_band", "Age band"),
             ("ethnic_group", "Ethnic group (used only to check the model, never as an input)"))  # fmt: skip


def number(value: float | None, places: int | None) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if places is None else f"{value:.{places}f}"


def headline_population(metrics: dict) -> dict:
    """The figures the card leads with: as deployed when the registry row has them; a row
    trained before populations were kept holds its figures at the top level."""
    for key in ("as_deployed", "all"):
        if key in metrics:
            return metrics[key]
    return metrics


def _p_value(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def comparison(baseline: str, d: dict[str, float]) -> str:
    """One baseline against the model, in the words a director would quote: significantly better,
    not significantly different, or significantly worse (DeLong's 95% interval for the AUC difference)."""
    interval = f"95% CI {d['ci_low']:+.3f} to {d['ci_high']:+.3f}"
    if d["ci_low"] > 0:
        verdict = "ranks significantly better than"
    elif d["ci_high"] < 0:
        verdict = "ranks significantly worse than"
    else:
        verdict = "is not significantly different from"
    return f"The model {verdict} {baseline}: AUC {d['difference']:+.3f} ({interval}; {_p_value(d['p_value'])})."


def verdict(figures: dict) -> str:
    """The card's sentence: which ranks best on these rows, and where the model stands against each baseline."""
    ranked = [(m.get("auc"), key) for key, m in figures.items() if isinstance(m, dict) and m.get("auc") is not None]
    if not ranked:
        return "No AUC could be computed on these appointments (they need both outcomes)."
    best_auc, best = max(ranked)
    above = figures.get("model", {}).get("auc_above", {})
    groups: dict[str, list[str]] = {"significantly better than": [], "not significantly different from": [],
                                    "significantly worse than": []}  # fmt: skip
    for key, phrase in BASELINE_PHRASES:
        if key in above:
            d = above[key]
            where = "significantly better than" if d["ci_low"] > 0 else (
                "significantly worse than" if d["ci_high"] < 0 else "not significantly different from")  # fmt: skip
            groups[where].append(f"{phrase} ({d['difference']:+.3f}, {_p_value(d['p_value'])})")
    parts = [f"{where} {', '.join(items)}" for where, items in groups.items() if items]
    lead = "This model ranks best" if best == "model" else f"{LABELS.get(best, best)} ranks best"
    return f"{lead} (AUC {best_auc:.3f}). The model is " + "; ".join(parts) + "." if parts else f"{lead}."


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


def fairness_withheld(fairness: dict) -> frozenset:
    """The fairness groups a director may not see, as (grouping, label): each grouping splits the same
    hold-out, whose size the card shows, so one suppressed group would come back by subtraction; the
    reports' rule (config.disclosure) withholds a complement in each grouping too."""
    sizes: dict = {}
    measures: dict = {}  # rows and DNAs (a group's rate with its rows gives them): a zero is a value too
    primary, groups = set(), []
    for key, _ in GROUPINGS:
        cells = []
        for label, figures in fairness.get(key, {}).items():
            m = figures.get("model", {})
            cell = (key, label)
            sizes[cell] = m.get("rows", 0)
            measures[cell] = (m.get("rows", 0), m.get("dnas", 0))
            cells.append(cell)
            if rate_is_disclosive(m.get("dnas", 0), m.get("rows", 0)):
                primary.add(cell)
        if cells and sum(sizes[cell] for cell in cells) >= sizes.get((), 0):
            sizes[()] = sum(sizes[cell] for cell in cells)
            measures[()] = tuple(sum(measures[cell][i] for cell in cells) for i in range(2))
        groups.append(AdditiveGroup((), tuple(cells)))
    sizes.setdefault((), 0)
    return withheld_cells_and_zeros(sizes, groups, primary, measures)


class RiskModelPresenter:
    """The card for one audience: the view decides it (config.disclosure.audience_of); a director,
    the default, sees the fairness table with disclosure control."""

    def __init__(self, model: RiskModel, *, audience: Audience = Audience.DIRECTOR) -> None:
        self.model = model
        self.audience = audience

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
    def sample(self) -> str:
        """When the candidates were fitted on a sample of their rows (ATTEND_RISK_MAX_FIT_ROWS), how large, in words."""
        rows = self.rows
        if "sample_cap" not in rows:
            return ""
        return (
            f"Fitted on a random sample: the candidates on {rows['sample_training']:,} of the "
            f"{rows['training']:,} training appointments and the chosen one refitted on {rows['sample_refit']:,} of "
            f"the {rows['training'] + rows['calibration']:,} in both slices (at most {rows['sample_cap']:,}, "
            "ATTEND_RISK_MAX_FIT_ROWS); every appointment counted in the inputs, and the validation and hold-out "
            "slices judged on all theirs."
        )

    @property
    def parameters(self) -> list[tuple[str, str]]:
        hidden = {"categories", "rows", "verbose", "deterministic"}
        return [(k, str(v)) for k, v in sorted(self.model.parameters.items()) if k not in hidden]

    @property
    def headline(self) -> dict:
        return headline_population(self.model.metrics)

    @property
    def headline_auc(self) -> str:
        return number(self.headline.get("model", {}).get("auc"), 3)

    @property
    def verdict(self) -> str:
        return verdict(self.headline)

    @property
    def populations(self) -> list[tuple[str, dict]]:
        """(label, figures) for each population the row holds, the headline first."""
        metrics = self.model.metrics
        kept = [(population_label(k, metrics), metrics[k]) for k in POPULATION_KEYS if k in metrics]
        return kept or [("All hold-out appointments", metrics)]

    @property
    def uninformative_inputs(self) -> list[str]:
        """Inputs left out because they carry no information on this trust's data, in words."""
        return [f"{u['label']}: {u['why']}" for u in self.model.metrics.get("uninformative_inputs", [])]

    @property
    def selection(self) -> str:
        """Which candidate the trust's data chose on the validation slice, and why."""
        chosen = self.model.metrics.get("selection")
        if not chosen:
            return "Trained before candidates were compared on a validation slice."
        return f"Chosen on this trust's own data, on the validation slice: {chosen['winner']} ({chosen['reason']})."

    @property
    def candidate_rows(self) -> list[tuple[str, str, str, str]]:
        """(candidate, settings, validation log-loss, validation AUC), the winner marked; then the baselines."""
        chosen = self.model.metrics.get("selection") or {}
        rows = []
        for c in chosen.get("candidates", []):
            settings = ", ".join(f"{k} {v}" for k, v in c["params"].items())
            settings += f", {c['rounds']} rounds" if c.get("rounds") else ""
            mark = " (chosen)" if c["name"] == chosen.get("winner") else ""
            rows.append((c["name"] + mark, settings, number(c["validation_log_loss"], 4),
                         number(c["validation_auc"], 3)))  # fmt: skip
        for name, b in chosen.get("baselines_on_validation", {}).items():
            if name not in {c["name"] for c in chosen.get("candidates", [])}:
                rows.append((f"{LABELS.get(name, name)} (baseline)", "", number(b["validation_log_loss"], 4),
                             number(b["validation_auc"], 3)))  # fmt: skip
        return rows

    @property
    def capacity(self) -> str:
        c = self.model.metrics.get("capacity")
        if not c:
            return "No call team capacity was known when this model was trained."
        return (
            f"The teams' capacity: {c['calls_per_day']:,} calls a day against about {c['appointments_per_day']:,.0f} "
            f"appointments a day that could be listed, so {c['share']:.1%} of them can be called."
        )

    def model_names_in(self, figures: dict) -> list[str]:
        return [label for key, label in MODELS if key in figures]

    @staticmethod
    def metric_rows_in(figures: dict) -> list[tuple[str, list[str]]]:
        keys = [key for key, _ in MODELS if key in figures]
        return [
            (label, [number(figures[k].get(metric), places) for k in keys])
            for metric, label, places in METRICS
            if any(figures[k].get(metric) is not None for k in keys)
        ]

    @property
    def tables(self) -> list[dict]:
        """Each population's side-by-side table and its DeLong sentences, for the page."""
        tables = [
            {
                "label": label,
                "names": self.model_names_in(figures),
                "rows": self.metric_rows_in(figures),
                "comparisons": self.comparisons_in(figures),
                "verdict": verdict(figures),
            }
            for label, figures in self.populations
        ]
        for table in tables:
            # Each figure beside its model's name, for the row to stack on a phone (NHS.UK responsive table).
            table["named_rows"] = [
                (label, list(zip(table["names"], values, strict=True))) for label, values in table["rows"]
            ]
        return tables

    @staticmethod
    def comparisons_in(figures: dict) -> list[str]:
        above = figures.get("model", {}).get("auc_above", {})
        return [comparison(phrase, above[key]) for key, phrase in BASELINE_PHRASES if key in above]

    @property
    def comparisons(self) -> list[str]:
        """Whether the model ranks better than each baseline on the headline rows (DeLong's test)."""
        return self.comparisons_in(self.headline)

    @property
    def fairness_tables(self) -> list[tuple[str, list[FairnessRow]]]:
        withheld = fairness_withheld(self.model.fairness) if self.audience.suppressed else frozenset()
        tables = []
        for key, title in GROUPINGS:
            groups = self.model.fairness.get(key, {})
            rows = [
                self._fairness_row(label, groups[label].get("model", {}), withheld=(key, label) in withheld)
                for label in groups
            ]
            tables.append((title, rows))
        return tables

    @staticmethod
    def _fairness_row(label: str, m: dict, *, withheld: bool | None = None) -> FairnessRow:
        """One group's row; `withheld` is the card's decision for its audience (by default, the
        small-number rule alone: DNAs and attendances must both be 5 or more)."""
        rows, dnas = m.get("rows", 0), m.get("dnas", 0)
        if rate_is_disclosive(dnas, rows) if withheld is None else withheld:
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
