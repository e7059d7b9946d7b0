"""What each audience may see of a pilot: its arms, the evaluation built on them, and its reach.

A pilot is a publication of its own (it is not filtered by period): the arms' appointments and
DNAs by randomisation stratum, each arm's total being the sum of its strata ("All"). The rule is
reports.disclosure's (config.disclosure.withheld_cells_and_zeros): a stratum with fewer than 5 DNAs or
attendances is withheld, and with it the arm's smallest other stratum, so "All" minus the shown
quintiles gives nothing back. What is built on a withheld cell is withheld with it: a quintile's
difference, relative risk and test; the stratified (Mantel–Haenszel) effect, which is built on
every stratum, and the DNAs avoided, money saved and calls per DNA avoided built on that; each
arm's gap between quintiles 1 and 5 and its change between arms; an arm's slope and relative
index of inequality. Support counts have no totals to subtract from and get primary suppression.
The reach tables (by IMD quintile, ethnic group and language, per arm and both) are a
publication of their own with the same rule, per measure, the zero rule too
(config.disclosure.withheld_cells_and_zeros: withheld groups none of whose people were reached are
pinned at none by subtraction, so one more is withheld). A figure the evaluation gains later is
withheld from directors until it is reviewed here (fails closed).
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

from config.disclosure import AdditiveGroup, Audience, is_small, rate_is_disclosive, withheld_cells_and_zeros
from pilots.models import Pilot
from reports.disclosure import EVERYTHING, CellBuilder, Disclosure, Publication, cell_of
from reports.evaluation import ArmComparison, PilotEvaluation, StratifiedComparison, SupportRow, arms_as_dict
from reports.findings import pilot_findings
from reports.reach import MEASURES, REACH_DIMENSIONS, Reach, pilot_reach
from reports.selectors import NOT_KNOWN

COMPARISON_FIELDS = ("risk_difference", "rd_ci_low", "rd_ci_high", "relative_risk", "rr_ci_low", "rr_ci_high",
                     "p_value", "test", "dnas_avoided")  # fmt: skip
EFFECT_FIELDS = ("cmh_statistic", "heterogeneity_q", "heterogeneity_df", "heterogeneity_p", "heterogeneity_i_squared",
                 "breslow_day_statistic", "breslow_day_p")  # fmt: skip
# Built on the stratified effect: withheld with it.
ON_THE_EFFECT = ("dnas_avoided", "calls_per_dna_avoided", "money_saved", "dnas_avoided_per_handler_hour",
                 "money_saved_per_handler_hour")  # fmt: skip
# Not counts of patients or appointments: shown to everyone.
NOT_COUNTS_OF_PATIENTS = ("pilot", "calls", "handler_hours", "cost_per_dna", "minutes_per_call")
SII_FIELDS = ("sii", "sii_ci_low", "sii_ci_high", "rii", "rii_ci_low", "rii_ci_high")
GAP_WITHHELD = "Withheld: the arms table suppresses quintile 1 or 5 of an arm, and the gap would give it away."
EFFECT_WITHHELD = "Withheld: a quintile's figures are suppressed, and the stratified effect would give them away."


@dataclass(frozen=True)
class PilotDisclosure:
    """A pilot's arms by stratum and each arm's total, cut for one audience."""

    cells: Disclosure
    strata_shown: bool  # every stratum with appointments is shown, so the stratified effect may be
    arms_with_a_stratum_withheld: frozenset[str] = frozenset()

    def comparison(self, comparison: ArmComparison) -> dict[str, Any]:
        out = comparison.as_dict()
        hidden = [arm for arm in ("intervention", "control") if self.cells.withholds(getattr(comparison, arm).groups)]
        for arm in hidden:
            out[arm] = self.cells.rate(getattr(comparison, arm))
        if hidden:
            out.update(dict.fromkeys(COMPARISON_FIELDS), suppressed=True)
        return out

    def stratified(self, stratified: StratifiedComparison) -> dict[str, Any]:
        out = stratified.as_dict()
        crude = self.comparison(stratified.crude)
        out.update(intervention=crude["intervention"], control=crude["control"])
        if crude["suppressed"] or not self.strata_shown:
            out.update(dict.fromkeys((*COMPARISON_FIELDS, *EFFECT_FIELDS)), suppressed=True)
            out["not_estimable"] = [EFFECT_WITHHELD]
        return out

    def support(self, row: SupportRow) -> dict[str, Any]:
        """Support counts have no totals to subtract from: each count under 5 is withheld, and the
        DNA rate among those who accepted when it is built on fewer than 5 DNAs or attendances."""
        out = row.as_dict()
        if self.cells.withheld is None:
            return out
        out.update({key: None for key in ("offered", "accepted", "arranged") if is_small(out[key])})
        if rate_is_disclosive(row.accepted_outcome.dnas, row.accepted_outcome.appointments):
            out.update(dict.fromkeys(("accepted_appointments", "accepted_dnas", "accepted_dna_rate")))
        return out

    def arms(
        self, pilot: Pilot, overall: ArmComparison, by_quintile: list[ArmComparison], stratified: StratifiedComparison
    ) -> dict[str, Any]:
        """The pilot and its arm comparisons as the page, the API and the CSVs show them."""
        return {
            **arms_as_dict(pilot, overall, by_quintile, stratified),
            "stratified": self.stratified(stratified),
            "overall": self.comparison(overall),
            "by_imd_quintile": [self.comparison(row) for row in by_quintile],
        }

    def evaluation(self, evaluation: PilotEvaluation) -> dict[str, Any]:
        """The whole evaluation. Fails closed: a figure this does not know (added to the evaluation
        later) is withheld from directors until it is reviewed and listed here."""
        plain = evaluation.as_dict()
        out = self.arms(evaluation.pilot, evaluation.overall, evaluation.by_quintile, evaluation.stratified)
        out["support"] = [self.support(row) for row in evaluation.support]
        if self.cells.withheld is None:
            return {**plain, **out}
        effect_hidden = out["stratified"]["suppressed"]
        reach_hidden = rate_is_disclosive(evaluation.reached, evaluation.allocated_intervention)
        reviewed = {
            "allocated_intervention": None
            if is_small(evaluation.allocated_intervention)
            else plain["allocated_intervention"],
            "reached": None if reach_hidden else plain["reached"],
            "reach_rate": None if reach_hidden else plain["reach_rate"],
            **{key: None if effect_hidden else plain[key] for key in ON_THE_EFFECT},
            **{key: plain[key] for key in NOT_COUNTS_OF_PATIENTS},
        }
        unreviewed = dict.fromkeys(set(plain) - set(out) - set(reviewed))
        return {**unreviewed, **reviewed, **out}

    def findings(self, findings: dict[str, Any]) -> dict[str, Any]:
        """The pilot's further findings (reports.findings, with primary suppression there), with what
        the arms table would give away withheld: the gap between quintiles 1 and 5 in an arm, its
        change between arms and an arm's slope index (built on every decile) when the arms table
        withholds any of the cells they are built on."""
        inequality = findings.get("inequality")
        if self.cells.withheld is None or not inequality:
            return findings
        arms = ("intervention", "control")
        withheld = self.cells.withheld
        hidden = {arm for arm in arms for stratum in (1, 5) if cell_of({"arm": arm, "stratum": stratum}) in withheld}
        built_on_all = self.arms_with_a_stratum_withheld
        blank = dict.fromkeys(("estimate", "ci_low", "ci_high"))
        gap_was_shown = any(gap["estimate"] is not None for gap in inequality["gap_by_arm"].values())
        inequality = {
            **inequality,
            "gap_by_arm": {arm: blank if arm in hidden else gap for arm, gap in inequality["gap_by_arm"].items()},
            "gap_change": blank if hidden else inequality["gap_change"],
            "sii": {
                arm: {**row, **dict.fromkeys(SII_FIELDS), "suppressed": True} if arm in built_on_all else row
                for arm, row in inequality["sii"].items()
            },
        }
        if hidden and gap_was_shown:
            inequality["statements"] = [*inequality.get("statements", []), GAP_WITHHELD]
        return {**findings, "inequality": inequality}


def pilot_disclosure(audience: Audience, overall: ArmComparison, by_quintile: list[ArmComparison]) -> PilotDisclosure:
    """The one decision for a pilot: each arm's total is the sum of its strata."""
    if not audience.suppressed:
        return PilotDisclosure(EVERYTHING, strata_shown=True)
    built = CellBuilder()
    groups = []
    for arm in ("intervention", "control"):
        total = built.add(getattr(overall, arm))
        strata = [getattr(row, arm) for row in by_quintile]
        parts = [built.add(row) for row in strata if row.appointments]
        groups.append(AdditiveGroup(total, tuple(parts)))
    cells = Publication(built.sizes, built.primary, groups, built.measures).disclosure()
    arms_withheld = frozenset(
        arm
        for row in by_quintile
        for arm in ("intervention", "control")
        if getattr(row, arm).appointments and cells.withholds(getattr(row, arm).groups)
    )
    return PilotDisclosure(cells, strata_shown=not arms_withheld, arms_with_a_stratum_withheld=arms_withheld)


# --- A pilot's reach -----------------------------------------------------------------------


@dataclass(frozen=True)
class ReachDisclosure:
    """A pilot's reach tables (reports.reach) for one audience: by IMD quintile, ethnic group and
    language, for each arm and both. Each measure (reminder delivered, callable number, call
    offered, reached, support offered) and the appointments add up to the arm's total in every one
    of the three tables, and the two arms to "all", so the rule runs over all nine at once, per
    measure. An appointments count withheld takes the row's measures with it (a share and its
    count would give it back)."""

    withheld: frozenset[Hashable] | None

    def cut(self, reach: Reach) -> dict[str, Any]:
        out = reach.as_dict(suppress_reasons=self.withheld is not None)
        if self.withheld is None:
            return out
        hidden_in_q = set()
        for row, plain in zip(reach.rows, out["rows"], strict=True):
            group = _key(row.group)
            for measure in REACH_MEASURES:
                if (reach.arm, reach.by, group, measure) in self.withheld:
                    plain.update(dict.fromkeys(_reach_fields(measure)))
                    if reach.by == "imd_quintile" and row.group in (1, 5):
                        hidden_in_q.add(measure)
            if (reach.arm, reach.by, group, "appointments") in self.withheld:
                plain["appointments"] = None
            plain["suppressed"] = any(plain[measure] is None for measure in REACH_MEASURES)
        out["warnings"] = [_reach_warning(sentence, hidden_in_q) for sentence in out["warnings"]]
        return out


REACH_MEASURES = tuple(MEASURES)


def _reach_fields(measure: str) -> tuple[str, ...]:
    return (measure, f"{measure}_share", f"{measure}_ci_low", f"{measure}_ci_high")


def _reach_warning(sentence: str, hidden: set[str]) -> str:
    """A warning without its figures when quintile 1's or 5's share is withheld."""
    for measure in hidden:
        words = MEASURES[measure]
        if f" had {words}:" in sentence:
            return sentence.split(f" had {words}:")[0] + f" had {words}."
    return sentence


def _key(value: Any) -> Any:
    return NOT_KNOWN if value is None else value


def reach_disclosure(audience: Audience, pilot: Pilot) -> ReachDisclosure:
    """The one decision for a pilot's reach tables, whichever of them is asked for."""
    if not audience.suppressed:
        return ReachDisclosure(None)
    sizes: dict[Hashable, int] = {}
    primary: set[Hashable] = set()
    groups: list[AdditiveGroup] = []
    # Each cell's count and the rest of its row's appointments: a reader totals both (a zero is a value too).
    measures: dict[Hashable, tuple[int, ...]] = {}
    arms = ("intervention", "control", "all")
    for by in REACH_DIMENSIONS:
        tables = {arm: pilot_reach(pilot, by=by, arm=arm) for arm in arms}
        for arm, reach in tables.items():
            for row in reach.rows:
                for measure in ("appointments", *REACH_MEASURES):
                    cell = (arm, by, _key(row.group), measure)
                    sizes[cell] = row.appointments
                    count = row.appointments if measure == "appointments" else row.counts[measure]
                    measures[cell] = (count, row.appointments - count)
                    small = measure != "appointments" and rate_is_disclosive(row.counts[measure], row.appointments)
                    if small or is_small(row.appointments):
                        primary.add(cell)
            for measure in ("appointments", *REACH_MEASURES):
                total = (arm, "total", measure)
                sizes[total] = sum(row.appointments for row in reach.rows)
                parts_measures = [measures[(arm, by, _key(row.group), measure)] for row in reach.rows]
                measures[total] = tuple(sum(values[i] for values in parts_measures) for i in range(2))
                parts = tuple((arm, by, _key(row.group), measure) for row in reach.rows)
                groups.append(AdditiveGroup(total, parts))
        for group in {_key(row.group) for row in tables["all"].rows}:
            for measure in ("appointments", *REACH_MEASURES):
                arms_in = tuple((arm, by, group, measure) for arm in arms[:2] if (arm, by, group, measure) in sizes)
                groups.append(AdditiveGroup(("all", by, group, measure), arms_in))
    withheld: frozenset[Hashable] = frozenset()
    while True:  # an appointments count withheld takes its row's measures with it
        withheld = withheld_cells_and_zeros(sizes, groups, primary, measures)
        taken = {(*cell[:3], m) for cell in withheld if cell[-1] == "appointments" and len(cell) == 4
                 for m in REACH_MEASURES}  # fmt: skip
        if taken <= primary:
            return ReachDisclosure(withheld)
        primary |= taken


def pilot_findings_for(audience: Audience, pilot: Pilot, cut: PilotDisclosure) -> dict[str, Any]:
    """The pilot's further findings as this audience may see them, beside the arms cut by `cut`."""
    findings = pilot_findings(pilot)
    reach = reach_disclosure(audience, pilot)
    shown = cut.findings(findings.as_dict(suppress=audience.suppressed))
    return {**shown, "reach": [reach.cut(table) for table in findings.reach]}
