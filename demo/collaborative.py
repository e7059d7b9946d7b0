"""Three synthetic member trusts' aggregate files, for the collaborative hub's demo.

Counts only, drawn with a fixed seed in the published format
(docs/aggregates/attend-aggregates-v1.schema.json): no patient is made. The trusts differ in their
deprivation mix (an inner-city trust with most of its appointments in quintile 1, a mixed one, a
mostly affluent one) and in their gap; two of them ran the same pilot (calls for the most deprived)
for the last six months, with a larger effect at the inner-city trust. Small cells are suppressed as a
trust's export would (config.disclosure: the small-number rule with complementary suppression across
the specialty table's parts and the quintile table's totals).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from config.disclosure import SMALL_NUMBER, AdditiveGroup, withheld_cells_and_zeros

PILOT = "Calls for the most deprived"
SPECIALTIES = {"100": 0.22, "110": 0.2, "120": 0.12, "130": 0.18, "300": 0.2, "420": 0.08}
SPECIALTY_RATE = {"100": 1.0, "110": 0.9, "120": 1.1, "130": 0.8, "300": 1.15, "420": 1.3}


@dataclass(frozen=True)
class DemoTrust:
    ods_code: str
    name: str
    monthly_appointments: int
    quintile_share: tuple[float, ...]  # quintiles 1..5 (the rest: no IMD)
    dna_rate: tuple[float, ...]  # by quintile 1..5
    pilot_effect: tuple[float, ...] | None = None  # intervention ÷ control DNA rate, by quintile


TRUSTS = (
    DemoTrust(
        "ZZA",
        "Ashbridge Inner City Hospitals NHS Trust (synthetic)",
        9000,
        (0.37, 0.24, 0.16, 0.12, 0.09),
        (0.135, 0.112, 0.094, 0.078, 0.066),
        (0.7, 0.75, 0.85, 0.9, 0.95),
    ),
    DemoTrust(
        "ZZB",
        "Brookfield and District NHS Trust (synthetic)",
        6000,
        (0.2, 0.2, 0.2, 0.2, 0.18),
        (0.11, 0.098, 0.087, 0.076, 0.068),
        (0.9, 0.9, 0.95, 0.95, 1.0),
    ),
    DemoTrust(
        "ZZC",
        "Chilterns Vale NHS Foundation Trust (synthetic)",
        4000,
        (0.07, 0.12, 0.2, 0.26, 0.33),
        (0.098, 0.084, 0.071, 0.06, 0.052),
    ),
)


def _months(end: date, count: int) -> list[date]:
    months, year, month = [], end.year, end.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months[::-1]


def _last_day(month: date) -> date:
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return date.fromordinal(following.toordinal() - 1)


def _small(*counts: int) -> bool:
    return any(0 < c < SMALL_NUMBER for c in counts)


def _cell(happened: int, dnas: int, cancelled: int, *, withheld: bool) -> dict[str, Any]:
    if withheld:
        return {"happened": None, "dnas": None, "cancelled": None, "suppressed": True}
    return {"happened": happened, "dnas": dnas, "cancelled": cancelled, "suppressed": False}


def aggregate_file(trust: DemoTrust, *, end_month: date, months: int, rng: np.random.Generator) -> dict[str, Any]:
    """One trust's file for the `months` months ending with `end_month` (a first of a month)."""
    calendar = _months(end_month, months)
    quintiles: dict[tuple, tuple[int, int, int]] = {}
    specialties: dict[tuple, tuple[int, int, int]] = {}
    pilot: dict[tuple, tuple[int, int, int]] = {}
    trend = np.linspace(1.04, 0.96, months)  # DNA rates drifting down a little over the year
    for i, month in enumerate(calendar):
        seasonal = 1 + 0.06 * np.cos(2 * np.pi * (month.month - 1) / 12)  # more DNAs in winter
        volume = int(rng.normal(trust.monthly_appointments, trust.monthly_appointments * 0.04))
        shares = [*trust.quintile_share, 1 - sum(trust.quintile_share)]
        for quintile, share in zip((1, 2, 3, 4, 5, None), shares, strict=True):
            rate = (trust.dna_rate[quintile - 1] if quintile else float(np.mean(trust.dna_rate))) * seasonal * trend[i]
            total = [0, 0, 0]
            for code, spec_share in SPECIALTIES.items():
                happened = int(rng.binomial(volume, share * spec_share))
                dnas = int(rng.binomial(happened, min(0.9, rate * SPECIALTY_RATE[code])))
                cancelled = int(rng.binomial(happened, 0.08))
                if quintile is not None:
                    specialties[month, quintile, code] = (happened, dnas, cancelled)
                total = [total[0] + happened, total[1] + dnas, total[2] + cancelled]
            quintiles[month, quintile] = tuple(total)
            if trust.pilot_effect and quintile and i >= months - 6:
                for arm, effect in (("intervention", trust.pilot_effect[quintile - 1]), ("control", 1.0)):
                    happened = int(rng.binomial(total[0], 0.15))  # 30% of appointments in the pilot, half each arm
                    pilot[month, quintile, arm] = (
                        happened,
                        int(rng.binomial(happened, rate * effect)),
                        int(rng.binomial(happened, 0.08)),
                    )
    withheld = _withheld(quintiles, specialties, pilot)
    tables = [
        {
            "by": ["month", "imd_quintile"],
            "rows": [
                {"month": f"{m:%Y-%m}", "imd_quintile": q, **_cell(*c, withheld=("q", m, q) in withheld)}
                for (m, q), c in quintiles.items()
            ],
        },
        {
            "by": ["month", "imd_quintile", "specialty"],
            "rows": [
                {
                    "month": f"{m:%Y-%m}",
                    "imd_quintile": q,
                    "specialty": s,
                    **_cell(*c, withheld=("s", m, q, s) in withheld),
                }
                for (m, q, s), c in specialties.items()
            ],
        },
    ]
    if pilot:
        tables.append(
            {
                "by": ["month", "imd_quintile", "pilot", "arm"],
                "rows": [
                    {
                        "month": f"{m:%Y-%m}",
                        "imd_quintile": q,
                        "pilot": PILOT,
                        "arm": a,
                        **_cell(*c, withheld=("p", m, q, a) in withheld),
                    }
                    for (m, q, a), c in pilot.items()
                ],
            }
        )
    document = {
        "schema": "attend-aggregates",
        "version": 1,
        "trust": {"ods_code": trust.ods_code, "name": trust.name},
        "period": {"from": calendar[0].isoformat(), "to": _last_day(calendar[-1]).isoformat()},
        "coverage": {
            "first_appointment": calendar[0].isoformat(),
            "last_appointment": _last_day(calendar[-1]).isoformat(),
            "last_import_at": None,
        },
        "imd_vintage": "IMD2019",
        "attend_version": "demo",
        "generated_at": f"{date.fromordinal(_last_day(calendar[-1]).toordinal() + 1)}T06:00:00+00:00",
        "disclosure": {
            "threshold": SMALL_NUMBER,
            "rule": "config.disclosure: counts 1-4 withheld, with complements",
            "suppressed_cells": len(withheld),
        },
        "tables": tables,
    }
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**document, "sha256": hashlib.sha256(canonical.encode("utf-8")).hexdigest()}


def _withheld(quintiles: dict, specialties: dict, pilot: dict) -> frozenset:
    # What a reader of the file can total per cell: happened, DNAs, cancelled and attended.
    measures = {("q", *k): (h, d, c, h - d) for k, (h, d, c) in quintiles.items()}
    measures |= {("s", *k): (h, d, c, h - d) for k, (h, d, c) in specialties.items()}
    measures |= {("p", *k): (h, d, c, h - d) for k, (h, d, c) in pilot.items()}
    sizes = {key: counts[0] for key, counts in measures.items()}
    primary = [key for key, (h, d, c) in ((("q", *k), v) for k, v in quintiles.items()) if _small(h, d, c, h - d)]
    primary += [("s", *k) for k, (h, d, c) in specialties.items() if _small(h, d, c, h - d)]
    primary += [("p", *k) for k, (h, d, c) in pilot.items() if _small(h, d, c, h - d)]
    groups = [
        AdditiveGroup(("q", m, q), tuple(("s", m, q, s) for s in SPECIALTIES if specialties[m, q, s][0]))
        for (m, q) in quintiles
        if q is not None
    ]
    return withheld_cells_and_zeros(sizes, groups, primary, measures)


def collaborative_files(*, end_month: date, months: int = 12, seed: int = 2020) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    return [aggregate_file(trust, end_month=end_month, months=months, rng=rng) for trust in TRUSTS]
