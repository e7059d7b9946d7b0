"""IMD decile → quintile, defined once, in each form Attend computes it in.

Quintile 1 is the most deprived 20% (deciles 1 and 2), quintile 5 the least (deciles 9
and 10); a patient without a decile has no quintile (shared/DESIGN.md). The forms sit
side by side so that the patient page, the reports grouped in SQL and the risk model's
fairness tables cannot drift apart; tests/patients/test_quintiles.py checks they agree.
"""

from __future__ import annotations

import numpy as np
from django.db.models import Case, IntegerField, Value, When
from django.db.models.expressions import Expression

QUINTILES = (1, 2, 3, 4, 5)


def imd_quintile(decile: int | None) -> int | None:
    """Quintile 1 is the most deprived 20% (deciles 1–2), quintile 5 the least."""
    return None if decile is None else (decile + 1) // 2


def deciles_in_quintile(quintile: int) -> tuple[int, int]:
    """The two deciles a quintile is made of (the inverse, for filters)."""
    return 2 * quintile - 1, 2 * quintile


def imd_quintile_expression(decile: str) -> Expression:
    """`imd_quintile` in SQL over the decile field (or lookup path) `decile`; NULL where it is NULL."""
    return Case(
        *(When(**{f"{decile}__in": deciles_in_quintile(q)}, then=Value(q)) for q in QUINTILES),
        default=Value(None),
        output_field=IntegerField(),
    )


def imd_quintiles_array(deciles: np.ndarray) -> np.ndarray:
    """`imd_quintile` over an array of deciles (NaN where not known), as integers with 0 for not known."""
    return np.where(np.isnan(deciles), 0, (np.nan_to_num(deciles) + 1) // 2).astype(int)
