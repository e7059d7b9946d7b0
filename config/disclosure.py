"""The small-number rule and complementary suppression: what an audience may see of aggregates.

One definition for every page, file and API that shows aggregates (reports, the model
card's fairness table). Where it applies, by audience, is decided where the data leaves:
`audience_of(user)` once per request or command, never a flag passed down to selectors.

Primary suppression alone is not disclosure control: a table with a total and one
suppressed part gives the part back by subtraction. So `withheld_cells` also applies
complementary suppression, by one deterministic rule over every additive group (a total
and the parts that add up to it) that a publication contains:

    In each group, if exactly one member (the total or a part) is withheld, also withhold
    the smallest part still shown (fewest appointments; ties by key); if no part is left,
    withhold the total. Repeat over all groups until nothing changes, groups with the fewest
    parts first.

So every equation a reader can write from what is published has no unknowns or at least
two. A member the publication does not show at all (a cross nobody publishes) counts as
withheld. reports.disclosure lists the groups the reports publish; the attacker test
(tests/reports/test_disclosure_attack.py) checks with integer programming that no
withheld cell is pinned to one value by everything published.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# Counts under this are suppressed in director views, and so is anything built on them.
SMALL_NUMBER = 5

# Who may see unsuppressed figures: people allowed to see patient data (analysts, admins).
UNSUPPRESSED_PERMISSION = "accounts.view_patient_data"


def is_small(count: int | None) -> bool:
    return count is not None and count < SMALL_NUMBER


def rate_is_disclosive(events: int, total: int) -> bool:
    """A rate shown with its denominator also reveals the non-events, so both must be 5 or more."""
    return is_small(events) or is_small(total - events)


class Audience(enum.Enum):
    """Who a figure leaves for: directors see aggregates with disclosure control; analysts
    (and admins) may see patient data, so they see every figure as it is."""

    DIRECTOR = "director"
    ANALYST = "analyst"

    @property
    def suppressed(self) -> bool:
        return self is Audience.DIRECTOR


def audience_of(user: Any) -> Audience:
    """The one place a person's audience is decided: only those allowed to see patient data
    see unsuppressed figures."""
    return Audience.ANALYST if user.has_perm(UNSUPPRESSED_PERMISSION) else Audience.DIRECTOR


@dataclass(frozen=True)
class AdditiveGroup:
    """A total and the parts that add up to it (parts with nothing in them are left out)."""

    total: Hashable
    parts: tuple[Hashable, ...]


def withheld_cells(
    sizes: Mapping[Hashable, int], groups: Iterable[AdditiveGroup], primary: Iterable[Hashable]
) -> frozenset[Hashable]:
    """The published cells to withhold: the `primary` ones (small) and their complements.

    `sizes` holds every published cell and its size (appointments), used to pick the smallest
    complement; a group member absent from `sizes` is not published and counts as withheld.
    Deterministic: the same publication always withholds the same cells.
    """
    groups = list(groups)
    withheld = set(primary)
    by_member: dict[Hashable, list[int]] = {}
    for index, group in enumerate(groups):
        for member in (group.total, *group.parts):
            by_member.setdefault(member, []).append(index)

    def hidden(cell: Hashable) -> bool:
        return cell in withheld or cell not in sizes

    # Groups with fewest parts first: they leave no choice, and the complements they force often
    # protect the larger groups too (a decile pair before all ten deciles). A heap of (parts, index).
    order = [(len(group.parts), index) for index, group in enumerate(groups)]
    pending = sorted(order)
    queued = set(range(len(groups)))
    while pending:
        _, index = heapq.heappop(pending)
        queued.discard(index)
        group = groups[index]
        members = (group.total, *group.parts)
        if sum(hidden(cell) for cell in members) != 1:
            continue
        shown = sorted((cell for cell in group.parts if not hidden(cell)), key=lambda cell: (sizes[cell], repr(cell)))
        complement = shown[0] if shown else group.total
        if hidden(complement):
            continue  # a group with no parts: nothing to give away
        withheld.add(complement)
        for other in by_member[complement]:
            if other not in queued:
                queued.add(other)
                heapq.heappush(pending, order[other])
    return frozenset(cell for cell in withheld if cell in sizes)


def withheld_cells_and_zeros(
    sizes: Mapping[Hashable, int],
    groups: Iterable[AdditiveGroup],
    primary: Iterable[Hashable],
    measures: Mapping[Hashable, tuple[int, ...]],
) -> frozenset[Hashable]:
    """`withheld_cells`, and zero is a value too: where the withheld parts of a shown total hold
    none of a count between them (no DNAs, say), subtraction gives 0 and, counts being never
    negative, each of them is then known to be 0. One more shown part with some of that count
    (the smallest) is withheld there, and the complementary rule applied again, until nothing
    changes. `measures` holds each cell's counts a reader can total (e.g. appointments, DNAs,
    attendances), in the same order for every cell; a group with a member it lacks is left as is."""
    groups = list(groups)
    hidden = withheld_cells(sizes, groups, primary)
    while extra := _zero_complements(sizes, groups, measures, hidden):
        hidden = withheld_cells(sizes, groups, hidden | extra)
    return hidden


def _zero_complements(
    sizes: Mapping[Hashable, int],
    groups: list[AdditiveGroup],
    measures: Mapping[Hashable, tuple[int, ...]],
    hidden: frozenset[Hashable],
) -> set[Hashable]:
    extra: set[Hashable] = set()
    for group in groups:
        withheld_parts = [part for part in group.parts if part in hidden]
        members = (group.total, *group.parts)
        if group.total in hidden or group.total not in sizes or not withheld_parts:
            continue
        if any(member not in measures for member in members):
            continue
        for which in range(len(measures[group.total])):
            if measures[group.total][which] == 0 or sum(measures[p][which] for p in withheld_parts) > 0:
                continue  # a total of none says as much itself; or something is left to hide
            candidates = [p for p in group.parts if p not in hidden and p in sizes and measures[p][which] > 0]
            if candidates:
                extra.add(min(candidates, key=lambda part: (sizes[part], repr(part))))
                break
    return extra
