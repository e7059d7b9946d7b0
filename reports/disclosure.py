"""What each audience may see of the reports: decided once per publication, applied where data leaves.

A *publication* is everything a director can get for one set of report filters (period, site,
specialty): the dashboard's tables and CSVs and the API's equivalents. For directors the
decision covers all of it at once, so every table, CSV and API response for those filters
withholds the same cells and no combination of them gives a withheld cell back:

- cells: DNA counts (appointments, DNAs) by each dimension in ONE_WAY, and by each dimension
  in BY_QUINTILE crossed with IMD quintile (the gap tables are these crosses' quintiles 1 and 5);
- primary suppression: a cell with fewer than 5 DNAs or fewer than 5 attendances
  (config.disclosure.rate_is_disclosive);
- complementary suppression (config.disclosure.withheld_cells_and_zeros; a zero is a value too) over
  every additive group the publication contains: the total = the sum of each one-way table; a
  quintile = its two deciles; each row and column of a cross with its one-way margins; a
  specialty or site = its clinics (where a clinic's appointments are all in it), at every
  quintile too.

A withheld cell is blank everywhere it appears, and so is every figure built on it: its rate and
interval, a gap or ratio with it on either side, an SPC point (the chart is drawn from what is
shown). Analysts and admins (config.disclosure.Audience.ANALYST) see every figure as it is.

A pilot is its own publication: reports.pilot_disclosure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from config.disclosure import AdditiveGroup, Audience, rate_is_disclosive, withheld_cells_and_zeros
from patients.deprivation.quintiles import imd_quintile
from reports.selectors import GapRow, RateRow, dna_rates

Cell = tuple[tuple[str, Any], ...]

# What a director may ask for: DNA rates by one of these, or one of BY_QUINTILE by IMD quintile.
ONE_WAY = ("imd_quintile", "imd_decile", "month", "specialty", "site", "clinic", "age_band", "sex", "ethnicity")
BY_QUINTILE = ("specialty", "site", "clinic", "month")
# A clinic belongs to one specialty and one site (where its appointments say so).
CLINIC_PARENTS = ("specialty", "site")

RATE_FIELDS = ("appointments", "dnas", "dna_rate", "ci_low", "ci_high")
GAP_FIELDS = ("gap_points", "gap_ci_low", "gap_ci_high", "ratio", "ratio_ci_low", "ratio_ci_high", "meets_target")


def cell_of(groups: Mapping[str, Any]) -> Cell:
    """A cell's key: its dimensions and their values, in a fixed order."""
    return tuple(sorted(groups.items(), key=lambda item: item[0]))


class PublishedOnlyError(ValueError):
    """A director asked for a table outside the publication disclosure control protects."""


def check_published(by: str, by2: str | None = None) -> None:
    """Directors get the tables the publication covers; any other cross could undo its suppression."""
    dims = {by, by2} - {None}
    if by2 is None and by in ONE_WAY:
        return
    if "imd_quintile" in dims and len(dims) == 2 and (dims - {"imd_quintile"}) <= set(BY_QUINTILE):
        return
    raise PublishedOnlyError(
        f"Directors see DNA rates by one of {', '.join(ONE_WAY)}, or by one of {', '.join(BY_QUINTILE)} "
        "crossed with imd_quintile: other tables could give suppressed figures away."
    )


@dataclass(frozen=True)
class Disclosure:
    """Which cells of a publication are withheld (None: an audience that sees everything).

    A cell the publication does not hold is withheld too, so a table asked for outside it
    shows nothing rather than figures no one checked.
    """

    withheld: frozenset[Hashable] | None = None
    published: frozenset[Hashable] = field(default_factory=frozenset)

    def withholds(self, groups: Mapping[str, Any]) -> bool:
        if self.withheld is None:
            return False
        cell = cell_of(groups)
        return cell in self.withheld or cell not in self.published

    def rate(self, row: RateRow) -> dict[str, Any]:
        out = row.as_dict()
        if self.withholds(row.groups):
            out.update(dict.fromkeys(RATE_FIELDS), suppressed=True)
        return out

    def rates(self, rows: Iterable[RateRow]) -> list[dict[str, Any]]:
        return [self.rate(row) for row in rows]

    def gap(self, gap: GapRow) -> dict[str, Any]:
        """A gap row: each quintile's figures if shown; the gap and ratio only if both are."""
        out = gap.as_dict()
        q1, q5 = self.withholds(gap.most_deprived.groups), self.withholds(gap.least_deprived.groups)
        for prefix, hidden in (("q1", q1), ("q5", q5)):
            if hidden:
                out.update(dict.fromkeys(f"{prefix}_{name}" for name in ("appointments", "dnas", "dna_rate")))
        if q1 or q5:
            out.update(dict.fromkeys(GAP_FIELDS), suppressed=True)
        return out


EVERYTHING = Disclosure()


@dataclass(frozen=True)
class Publication:
    """Cells (with their sizes), the ones small enough to suppress, and the additive groups between them."""

    sizes: dict[Cell, int]
    primary: set[Cell]
    groups: list[AdditiveGroup]
    # Each cell's (appointments, DNAs, attendances): what a reader can total (a zero is a value too).
    measures: dict[Cell, tuple[int, ...]] = field(default_factory=dict)

    def disclosure(self) -> Disclosure:
        withheld = withheld_cells_and_zeros(self.sizes, self.groups, self.primary, self.measures)
        return Disclosure(withheld, frozenset(self.sizes))


class CellBuilder:
    def __init__(self) -> None:
        self.sizes: dict[Cell, int] = {}
        self.primary: set[Cell] = set()
        self.measures: dict[Cell, tuple[int, ...]] = {}

    def add(self, row: RateRow) -> Cell:
        cell = cell_of(row.groups)
        self.sizes[cell] = row.appointments
        self.measures[cell] = (row.appointments, row.dnas, row.appointments - row.dnas)
        if rate_is_disclosive(row.dnas, row.appointments):
            self.primary.add(cell)
        return cell

    @staticmethod
    def groups(parts_by_total: Mapping[Cell, Iterable[Cell]]) -> list[AdditiveGroup]:
        return [AdditiveGroup(total, tuple(parts)) for total, parts in parts_by_total.items()]


def _without(cell: Cell, dimension: str) -> Cell:
    return tuple(item for item in cell if item[0] != dimension)


def report_publication(filters: Mapping[str, Any]) -> Publication:
    """Every cell a director can get for these filters, and how they add up."""
    built = CellBuilder()
    groups: list[AdditiveGroup] = []
    for dimension in ONE_WAY:
        rows = dna_rates(dimension, **filters)
        if dimension == "imd_quintile":
            # The total every one-way table adds up to: not shown as such, but derivable from any of them.
            built.add(RateRow({}, sum(row.appointments for row in rows), sum(row.dnas for row in rows)))
        groups.append(AdditiveGroup((), tuple(built.add(row) for row in rows)))
    deciles: dict[Cell, list[Cell]] = defaultdict(list)
    for cell in list(built.sizes):
        if len(cell) == 1 and cell[0][0] == "imd_decile":
            deciles[(("imd_quintile", imd_quintile(cell[0][1])),)].append(cell)
    groups += built.groups(deciles)
    crossed: dict[str, list[Cell]] = {}
    for dimension in BY_QUINTILE:
        cells = [built.add(row) for row in dna_rates(dimension, "imd_quintile", **filters)]
        crossed[dimension] = cells
        for margin in (dimension, "imd_quintile"):
            by_total: dict[Cell, list[Cell]] = defaultdict(list)
            for cell in cells:
                by_total[_without(cell, margin)].append(cell)
            groups += built.groups(by_total)
    groups += _clinic_groups(filters, crossed["clinic"])
    return Publication(built.sizes, built.primary, groups, built.measures)


def _clinic_groups(filters: Mapping[str, Any], clinic_by_quintile: list[Cell]) -> list[AdditiveGroup]:
    """A specialty (or site) is the sum of its clinics, overall and in each quintile. A clinic with
    appointments in more than one gives parts nobody publishes (so they count as withheld)."""
    quintiles_of: dict[Any, list[Any]] = defaultdict(list)
    for cell in clinic_by_quintile:
        values = dict(cell)
        quintiles_of[values["clinic"]].append(values["imd_quintile"])
    groups = []
    for parent in CLINIC_PARENTS:
        parents_of: dict[Any, set[Any]] = defaultdict(set)
        for row in dna_rates("clinic", parent, **filters):
            parents_of[row.groups["clinic"]].add(row.groups[parent])
        parts: dict[Cell, list[Cell]] = defaultdict(list)
        for clinic, values in parents_of.items():
            for value in values:
                if len(values) == 1:
                    parts[cell_of({parent: value})].append(cell_of({"clinic": clinic}))
                    for quintile in quintiles_of[clinic]:
                        total = cell_of({parent: value, "imd_quintile": quintile})
                        parts[total].append(cell_of({"clinic": clinic, "imd_quintile": quintile}))
                    continue
                parts[cell_of({parent: value})].append(_unpublished(clinic, parent, value))
                for quintile in (None, *range(1, 6)):
                    total = cell_of({parent: value, "imd_quintile": quintile})
                    parts[total].append(_unpublished(clinic, parent, value, quintile))
        groups += CellBuilder.groups(parts)
    return groups


def _unpublished(*key: Any) -> Cell:
    """A cell no table shows (one clinic's appointments in one of its several specialties or sites)."""
    return (("unpublished", key),)


def report_disclosure(audience: Audience, filters: Mapping[str, Any]) -> Disclosure:
    """The one decision for a publication: what this audience may see for these filters."""
    if not audience.suppressed:
        return EVERYTHING
    return report_publication(filters).disclosure()
