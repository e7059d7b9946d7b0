"""The small-number rule: counts under 5, and rates built on them, are not shown to directors.

One definition for every page, file and API that shows aggregates (reports, the model
card's fairness table). Where it applies, by audience, is decided where the data leaves.
"""

from __future__ import annotations

# Counts under this are suppressed in director views, and so is anything built on them.
SMALL_NUMBER = 5


def is_small(count: int | None) -> bool:
    return count is not None and count < SMALL_NUMBER


def rate_is_disclosive(events: int, total: int) -> bool:
    """A rate shown with its denominator also reveals the non-events, so both must be 5 or more."""
    return is_small(events) or is_small(total - events)
