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

The filtered pages of one period (trust, site, specialty, both) and targets' divisions add up to
one another, so a director's are decided together, as one family (Family, below): each page's
Disclosure is its share of that one decision.

A pilot is its own publication: reports.pilot_disclosure.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from appointments.models import Site, Specialty
from config.disclosure import AdditiveGroup, Audience, rate_is_disclosive, withheld_cells_and_zeros
from patients.deprivation.quintiles import imd_quintile
from reports.selectors import GapRow, RateRow, dna_rates, dna_rates_by

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


Rates = Callable[[str, "str | None"], list[RateRow]]


def report_publication(filters: Mapping[str, Any], rates: Rates | None = None) -> Publication:
    """Every cell a director can get for these filters, and how they add up (`rates(by, by2)` gives
    the filtered tables; by default dna_rates under the filters)."""
    if rates is None:

        def rates(by: str, by2: str | None = None) -> list[RateRow]:
            return dna_rates(by, by2, **filters)

    built = CellBuilder()
    groups: list[AdditiveGroup] = []
    for dimension in ONE_WAY:
        rows = rates(dimension, None)
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
        cells = [built.add(row) for row in rates(dimension, "imd_quintile")]
        crossed[dimension] = cells
        for margin in (dimension, "imd_quintile"):
            by_total: dict[Cell, list[Cell]] = defaultdict(list)
            for cell in cells:
                by_total[_without(cell, margin)].append(cell)
            groups += built.groups(by_total)
    groups += _clinic_groups(rates, crossed["clinic"])
    return Publication(built.sizes, built.primary, groups, built.measures)


def _clinic_groups(rates: Rates, clinic_by_quintile: list[Cell]) -> list[AdditiveGroup]:
    """A specialty (or site) is the sum of its clinics, overall and in each quintile. A clinic with
    appointments in more than one gives parts nobody publishes (so they count as withheld)."""
    quintiles_of: dict[Any, list[Any]] = defaultdict(list)
    for cell in clinic_by_quintile:
        values = dict(cell)
        quintiles_of[values["clinic"]].append(values["imd_quintile"])
    groups = []
    for parent in CLINIC_PARENTS:
        parents_of: dict[Any, set[Any]] = defaultdict(set)
        for row in rates("clinic", parent):
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


# --- The filter hierarchy ------------------------------------------------------------------
#
# The dashboard can be filtered by site, by specialty or by both, and each filtered page is a
# publication of its own; but they add up: the whole trust's cell is the sum of each specialty's
# (and of each site's) cell for the same period, and a cell shown on two pages is the same number
# on both. Cut page by page, the trust's month minus the other specialties' months gave a
# specialty's withheld month back. So a director's pages for one period are decided together, as
# one family: every page of the lattice (the trust; each site; each specialty; each site and
# specialty), its cells named by what they count (the page's filters with the cell's own values,
# so a cell shown on several pages is one cell), each page's additive groups, and between pages:
# a cell of a page without a site (specialty) filter = the sum of the same cell on each site's
# (specialty's) page. Complementary suppression (and the zero rule) runs over all of it at once,
# and each page withholds its share of the one decision.

LATTICE = ("site", "specialty")
ANY = object()  # a lattice dimension the page does not filter on

# Groups of specialties published as one (targets' divisions: their months in quintiles 1 and 5),
# registered by the app that has them (reports imports none above it): each provider gives
# {key: specialty codes}.
_SPECIALTY_GROUPINGS: list[Callable[[], dict[Hashable, tuple[str, ...]]]] = []


def register_specialty_grouping(provider: Callable[[], dict[Hashable, tuple[str, ...]]]) -> None:
    if provider not in _SPECIALTY_GROUPINGS:
        _SPECIALTY_GROUPINGS.append(provider)


GROUPED_QUINTILES = (1, 5)  # what a group of specialties publishes: each month's gap


def _lattice_names(dimension: str) -> dict[str, str]:
    """Filter code -> the name its rows are grouped under (a site's ODS code, a specialty's code)."""
    if dimension == "site":
        return dict(Site.objects.values_list("ods_code", "name"))
    return dict(Specialty.objects.values_list("treatment_function_code", "name"))


def _single(value: Any) -> Any:
    """A specialty filter given as a list of one is that specialty; a longer list is not a page."""
    if isinstance(value, list | tuple):
        return value[0] if len(value) == 1 else None
    return value


def family_key(filters: Mapping[str, Any]) -> tuple | None:
    """The family a set of filters' page belongs to (its period), or None for filters no dashboard
    page has (several specialties at once, a pilot): those are decided on their own."""
    if set(filters) - {"date_from", "date_to", *LATTICE}:
        return None
    if "specialty" in filters and _single(filters["specialty"]) is None:
        return None
    return (filters.get("date_from"), filters.get("date_to"))


class Family:
    """Every page of the lattice for one period, decided together (see above). Read from a few
    queries crossed by site and specialty (selectors.dna_rates_by), each page's tables summed from them."""

    # Two queries: what the rollup holds and the patients' own fields, each crossed by site and
    # specialty; each page's tables are sums of one of them.
    SOURCES = (("clinic", "imd_decile", "imd_quintile", "month"), ("age_band", "ethnicity", "sex"))

    def __init__(self, period: tuple) -> None:
        date_from, date_to = period
        period_filters = {key: value for key, value in (("date_from", date_from), ("date_to", date_to)) if value}
        self.names = {dimension: _lattice_names(dimension) for dimension in LATTICE}
        # Each source's rows, bucketed by page: a row counts on the trust's page, its site's, its
        # specialty's and its site and specialty's.
        self._rows: dict[tuple[tuple[str, ...], tuple], list[RateRow]] = defaultdict(list)
        pairs: set[tuple] = set()
        for source in self.SOURCES:
            for row in dna_rates_by((*source, *LATTICE), **period_filters):
                site, specialty = row.groups["site"], row.groups["specialty"]
                pairs.add((site, specialty))
                for page in ((ANY, ANY), (site, ANY), (ANY, specialty), (site, specialty)):
                    self._rows[source, page].append(row)
        values = {
            dimension: sorted({pair[index] for pair in pairs}, key=repr) for index, dimension in enumerate(LATTICE)
        }
        # Only pages with appointments in the period: an empty page shows nothing and adds up to nothing.
        self.pages = [(ANY, ANY)]
        self.pages += [(site, ANY) for site in values["site"]] + [(ANY, specialty) for specialty in values["specialty"]]
        self.pages += sorted(pairs, key=repr)
        self._decided: dict[Any, Disclosure] = {}
        self.groupings: dict[Hashable, list[Any]] = {}
        for provider in _SPECIALTY_GROUPINGS:
            for key, codes in provider().items():
                names = {self.names["specialty"].get(code) for code in codes} - {None}
                self.groupings[key] = sorted(names & set(values["specialty"]), key=repr)
        self._decide(values)

    # What each page's tables are summed from, first (each far smaller than the rows of its source).
    STEPS = (("clinic", "imd_decile", "imd_quintile"), ("imd_quintile", "month"))

    def _rates(self, page: tuple) -> Rates:
        sums: dict[tuple[str, ...], dict[tuple, list[int]]] = {}

        def summed(names: tuple[str, ...]) -> dict[tuple, list[int]]:
            if names not in sums:
                steps = [step for step in sums if set(names) <= set(step)]
                if steps:
                    step = min(steps, key=lambda step: len(sums[step]))
                    rows = ((dict(zip(step, key, strict=True)), n, d) for key, (n, d) in sums[step].items())
                else:
                    source = next(source for source in self.SOURCES if set(names) - set(LATTICE) <= set(source))
                    rows = ((row.groups, row.appointments, row.dnas) for row in self._rows[source, page])
                totals: dict[tuple, list[int]] = {}
                for groups, n, d in rows:
                    total = totals.setdefault(tuple(groups[name] for name in names), [0, 0])
                    total[0] += n
                    total[1] += d
                sums[names] = totals
            return sums[names]

        for step in self.STEPS:
            summed((*step, *LATTICE))

        def rates(by: str, by2: str | None = None) -> list[RateRow]:
            names = (by,) if by2 is None else (by, by2)
            ordered = sorted(summed(names).items(), key=repr)
            return [RateRow(dict(zip(names, key, strict=True)), n, d) for key, (n, d) in ordered]

        return rates

    @staticmethod
    def _meaning(page: tuple, cell: Cell) -> Cell:
        """What a page's cell counts: its own values and the page's filters (one name however many
        pages show it)."""
        values = dict(cell)
        if "unpublished" in values:
            return (("page", page), *cell)
        for dimension, value in zip(LATTICE, page, strict=True):
            if value is not ANY:
                values[dimension] = value
        return cell_of(values)

    def _decide(self, values: dict[str, list[Any]]) -> None:
        publications = {page: report_publication({}, self._rates(page)) for page in self.pages}
        sizes: dict[Cell, int] = {}
        measures: dict[Cell, tuple[int, ...]] = {}
        primary: set[Cell] = set()
        groups: list[AdditiveGroup] = []
        meanings: dict[tuple, dict[Cell, Cell]] = {}
        for page, publication in publications.items():
            named = meanings[page] = {cell: self._meaning(page, cell) for cell in publication.sizes}
            for cell, meaning in named.items():
                sizes[meaning] = publication.sizes[cell]
                measures[meaning] = publication.measures[cell]
            primary |= {named[cell] for cell in publication.primary}
            for group in publication.groups:
                parts = tuple(self._meaning(page, part) for part in group.parts)
                groups.append(AdditiveGroup(self._meaning(page, group.total), parts))
        # Between pages: a page's cell without a lattice dimension is the sum of the same cell on the
        # pages below it (a page with no row there holds none of it: a known zero, left out).
        for page, named in meanings.items():
            for index, dimension in enumerate(LATTICE):
                if page[index] is not ANY:
                    continue
                for cell, meaning in named.items():
                    values_of = dict(cell)
                    if dimension in values_of or "unpublished" in values_of:
                        continue
                    parts = []
                    for value in values[dimension]:
                        below = (*page[:index], value, *page[index + 1 :])
                        part = self._meaning(below, cell)
                        if part in sizes:
                            parts.append(part)
                    if parts != [meaning]:
                        groups.append(AdditiveGroup(meaning, tuple(parts)))
        grouped = self._grouped_cells(values, sizes, measures, primary, groups)
        withheld = withheld_cells_and_zeros(sizes, groups, primary, measures)
        for key, named in grouped.items():
            self._decided["grouping", key] = Disclosure(
                frozenset(cell for cell, meaning in named.items() if meaning in withheld), frozenset(named)
            )
        for page, named in meanings.items():
            self._decided[page] = Disclosure(
                frozenset(cell for cell, meaning in named.items() if meaning in withheld), frozenset(named)
            )

    def _grouped_cells(self, values, sizes, measures, primary, groups) -> dict[Hashable, dict[Cell, Cell]]:
        """A group of specialties' month in quintile 1 or 5: the sum of its specialties' cells there, and
        with the specialties outside it, the trust's. Its cells join the decision like any page's."""
        months = sorted({value for cell in sizes for name, value in cell if name == "month"}, key=repr)
        grouped: dict[Hashable, dict[Cell, Cell]] = {}
        for key, members in self.groupings.items():
            named = grouped[key] = {}
            for month in months:
                for quintile in GROUPED_QUINTILES:
                    cell = cell_of({"month": month, "imd_quintile": quintile})
                    inside = [self._meaning((ANY, s), cell) for s in members]
                    inside = [part for part in inside if part in sizes]
                    if not inside:
                        continue
                    meaning = (("grouping", key), *cell)
                    named[cell] = meaning
                    sizes[meaning] = sum(sizes[part] for part in inside)
                    measures[meaning] = tuple(sum(measures[part][i] for part in inside) for i in range(3))
                    n, d = measures[meaning][:2]
                    if rate_is_disclosive(d, n):
                        primary.add(meaning)
                    groups.append(AdditiveGroup(meaning, tuple(inside)))
                    outside = [self._meaning((ANY, s), cell) for s in values["specialty"] if s not in members]
                    outside = [part for part in outside if part in sizes]
                    if outside and cell in sizes:
                        groups.append(AdditiveGroup(cell, (meaning, *outside)))
        return grouped

    def grouping(self, key: Hashable) -> Disclosure | None:
        """A group of specialties' share of the decision (its months in quintiles 1 and 5)."""
        return self._decided.get(("grouping", key))

    def disclosure(self, filters: Mapping[str, Any]) -> Disclosure | None:
        """The page's share of the decision, or None if its filters name a site or specialty with no
        appointments in the period (then it has nothing to show anyway)."""
        page = []
        for dimension in LATTICE:
            code = _single(filters.get(dimension))
            page.append(ANY if code is None else self.names[dimension].get(code))
        return self._decided.get(tuple(page))


def grouping_disclosure(
    audience: Audience, key: Hashable, period: Mapping[str, Any], *, families: dict[tuple, Family] | None = None
) -> Disclosure | None:
    """A registered group of specialties' months for a period (`period`: date_from, date_to), as this
    audience may see them; None if the group is not registered or has no appointments."""
    if not audience.suppressed:
        return EVERYTHING
    family_of = (period.get("date_from"), period.get("date_to"))
    families = {} if families is None else families
    if family_of not in families:
        families[family_of] = Family(family_of)
    return families[family_of].grouping(key)


def request_families(request: Any) -> dict[tuple, Family]:
    """The families one request has decided (the dashboard and its targets panel share a period's)."""
    return request.__dict__.setdefault("_disclosure_families", {})


def report_disclosure(
    audience: Audience, filters: Mapping[str, Any], *, families: dict[tuple, Family] | None = None
) -> Disclosure:
    """The one decision for a publication: what this audience may see for these filters. A dashboard
    page's is its share of its period's family (decided with every other page it adds up with);
    pass one `families` dict for everything a request shows, so each period's is made once."""
    if not audience.suppressed:
        return EVERYTHING
    key = family_key(filters)
    if key is None:
        return report_publication(filters).disclosure()
    families = {} if families is None else families
    if key not in families:
        families[key] = Family(key)
    decided = families[key].disclosure(filters)
    return decided if decided is not None else report_publication(filters).disclosure()
