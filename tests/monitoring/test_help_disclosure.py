"""Who gets help against who needs it, as a director sees it: no withheld group's share comes back by
subtraction, a zero included (monitoring.views.help_withheld)."""

from __future__ import annotations

from config.disclosure import AdditiveGroup, is_small, withheld_cells
from monitoring.services import HelpShare
from monitoring.views import help_withheld

# Two small groups with nobody put on a call list; two large ones holding everyone who was.
PARTS = [HelpShare("A", 50, 0, 6), HelpShare("B", 40, 0, 7), HelpShare("C", 300, 40, 30), HelpShare("D", 200, 30, 20)]
TOTAL = HelpShare("All", 590, 70, 63)


def pinned(withheld) -> list[str]:
    """The withheld groups whose count of those selected or DNAs the total minus the shown gives."""
    hidden = [part for part in PARTS if part.group in withheld]
    found = []
    for field in ("selected", "dnas"):
        left = getattr(TOTAL, field) - sum(getattr(part, field) for part in PARTS if part.group not in withheld)
        if len(hidden) == 1 or (hidden and left == 0):
            found += [part.group for part in hidden]
    return sorted(set(found))


def test_two_withheld_groups_with_nobody_selected_are_no_longer_pinned_at_none():
    sizes = {part.group: part.appointments for part in PARTS} | {"All": TOTAL.appointments}
    primary = [part.group for part in PARTS if is_small(part.selected) or is_small(part.dnas)]
    plain = withheld_cells(sizes, [AdditiveGroup("All", tuple(part.group for part in PARTS))], primary)
    assert plain == {"A", "B"} and pinned(plain) == ["A", "B"]  # the rule without zeros: 70 - 70 = none each

    withheld = help_withheld(TOTAL, PARTS)
    assert withheld == {"A", "B", "D"}  # the smallest group with someone selected goes too
    assert pinned(withheld) == []
