"""Disclosure control for the aggregate export: applied to the whole file before it is written.

The file is one publication (reports.disclosure's word): every cell it holds, and every cell that
can be derived from it, is checked at once, so that no withheld count can be recovered from the
rest of the file by subtraction, within a table or across tables.

- Cells: each row of each table, keyed by its dimension values, so that the same cell in two
  tables is one cell (month × quintile is a row of the quintile table and the margin of every
  month × quintile × X table). Each month's total is a cell too: it is not printed, but any
  complete table of that month adds up to it.
- Primary suppression: fewer than 5 DNAs or fewer than 5 attendances
  (config.disclosure.rate_is_disclosive), or 1 to 4 cancellations (config.disclosure.is_small).
  A row is withheld whole: its three counts are null.
- Additive groups (config.disclosure.withheld_cells_and_zeros applies the complementary rule over them):
  a month = its quintiles = its deciles; a quintile = its two deciles ("no IMD" = the decile
  table's "no IMD"); a month's quintile = its specialties = its sites = its age bands = its sexes
  = its ethnic groups.
- Zero is a value too: where the withheld parts of a shown total hold no DNAs (or no attendances,
  appointments or cancellations) between them, subtraction gives 0, and each of them is then known
  to be 0, since no count is negative. One more part, with some of that count, is withheld there.
- The pilot table's rows are a subset of the appointments (only those allocated, each in at
  most one pilot and arm), so they add up to no published cell: they give lower and upper bounds,
  never an exact value, and are protected by primary suppression (tests/aggregates/
  test_export_attack.py solves for every withheld cell with those inequalities too).

Every group lies within one month, so a month's suppression depends on that month's counts
only: two files whose periods overlap withhold the same cells of a month they share, as long as
its counts have not changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from aggregates.tables import Counts
from config.disclosure import SMALL_NUMBER, AdditiveGroup, is_small, rate_is_disclosive, withheld_cells_and_zeros
from patients.deprivation.quintiles import imd_quintile
from reports.disclosure import Cell, cell_of

RULE = (
    f"Counts under {SMALL_NUMBER} suppressed: a row with fewer than {SMALL_NUMBER} DNAs, fewer than "
    f"{SMALL_NUMBER} attendances, or 1 to {SMALL_NUMBER - 1} cancellations is withheld whole; complementary "
    "suppression (config.disclosure.withheld_cells) across every table of the file, so that no withheld "
    "row can be derived from the others: each month = its IMD quintiles = its deciles, a quintile = its "
    "two deciles, a month's quintile = its rows by each further dimension; and where the withheld rows of "
    "such a sum would hold none of a count between them (so each would be known to be zero), one more row "
    "is withheld."
)


def is_disclosive(counts: Counts) -> bool:
    """Primary suppression: the rate shown with its denominator, or a small number of cancellations."""
    return rate_is_disclosive(counts.dnas, counts.happened) or (counts.cancelled > 0 and is_small(counts.cancelled))


def withheld(tables: Mapping[tuple[str, ...], list[Counts]]) -> frozenset[Cell]:
    """The cells to withhold everywhere in the file (primary and complementary)."""
    sizes: dict[Cell, int] = {}
    primary: set[Cell] = set()
    counts_of: dict[Cell, Counts] = {}

    def add(groups: dict, counts: Counts) -> Cell:
        cell = cell_of(groups)
        sizes[cell] = counts.size
        counts_of[cell] = counts
        if is_disclosive(counts):
            primary.add(cell)
        return cell

    # (which table, total) -> parts: the same total adds up from several tables, each its own equation.
    parts: dict[tuple[tuple[str, ...], Cell], list[Cell]] = defaultdict(list)
    month_totals: dict[str, list[Counts]] = defaultdict(list)
    for by, rows in tables.items():
        for row in rows:
            cell = add(row.groups, row)
            if "pilot" in by:
                continue  # a subset of the appointments: adds up to no published cell (see above)
            month = {"month": row.groups["month"]}
            if by == ("month", "imd_quintile"):
                month_totals[row.groups["month"]].append(row)
                parts[by, cell_of(month)].append(cell)
            elif by == ("month", "imd_decile"):
                parts[by, cell_of(month)].append(cell)
                quintile = {**month, "imd_quintile": imd_quintile(row.groups["imd_decile"])}
                parts[("imd_quintile", "imd_decile"), cell_of(quintile)].append(cell)
            else:
                parts[by, cell_of({**month, "imd_quintile": row.groups["imd_quintile"]})].append(cell)
    for month, rows in month_totals.items():
        happened, dnas, cancelled = (
            sum(getattr(row, name) for row in rows) for name in ("happened", "dnas", "cancelled")
        )
        add({"month": month}, Counts({"month": month}, happened, dnas, cancelled))
    groups = [AdditiveGroup(total, tuple(members)) for (_, total), members in parts.items()]
    measures = {cell: tuple(measure(counts) for measure in MEASURES) for cell, counts in counts_of.items()}
    return withheld_cells_and_zeros(sizes, groups, primary, measures)


# What a reader can total over the withheld parts of a sum whose total is shown.
MEASURES = (
    lambda counts: counts.happened,
    lambda counts: counts.dnas,
    lambda counts: counts.happened - counts.dnas,
    lambda counts: counts.cancelled,
)
