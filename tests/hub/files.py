"""Aggregate files for the hub's tests, built here to the published schema
(docs/aggregates/attend-aggregates-v1.schema.json), not by the trust-side export."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

# (month, quintile) → (happened, dnas, cancelled), or None for a suppressed cell
Cells = dict[tuple[str, int | None], tuple[int, int, int] | None]


def sealed(document: dict[str, Any]) -> dict[str, Any]:
    """The document with its sha256: canonical JSON (sorted keys, no spaces, UTF-8), sha256 removed."""
    body = {k: v for k, v in document.items() if k != "sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return {**body, "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()}


def counts(cell: tuple[int, int, int] | None) -> dict[str, Any]:
    if cell is None:
        return {"happened": None, "dnas": None, "cancelled": None, "suppressed": True}
    happened, dnas, cancelled = cell
    return {"happened": happened, "dnas": dnas, "cancelled": cancelled, "suppressed": False}


def quintile_table(cells: Cells) -> dict[str, Any]:
    return {
        "by": ["month", "imd_quintile"],
        "rows": [{"month": m, "imd_quintile": q, **counts(c)} for (m, q), c in cells.items()],
    }


def specialty_table(cells: dict[tuple[str, int, str], tuple[int, int, int] | None]) -> dict[str, Any]:
    return {
        "by": ["month", "imd_quintile", "specialty"],
        "rows": [{"month": m, "imd_quintile": q, "specialty": s, **counts(c)} for (m, q, s), c in cells.items()],
    }


def pilot_table(pilot: str, cells: dict[tuple[str, int, str], tuple[int, int, int] | None]) -> dict[str, Any]:
    return {
        "by": ["month", "imd_quintile", "pilot", "arm"],
        "rows": [
            {"month": m, "imd_quintile": q, "pilot": pilot, "arm": a, **counts(c)} for (m, q, a), c in cells.items()
        ],
    }


def even_cells(months: list[str], *, rate_q1: float = 0.15, rate_q5: float = 0.05, n: int = 400) -> Cells:
    """Every quintile in every month with n appointments; DNA rates falling evenly from q1 to q5."""
    step = (rate_q1 - rate_q5) / 4
    return {(m, q): (n, round(n * (rate_q1 - step * (q - 1))), n // 10) for m in months for q in range(1, 6)}


def aggregate_file(
    *,
    ods_code: str = "RAA",
    name: str = "Alpha Hospitals NHS Trust",
    period: tuple[str, str] = ("2025-01-01", "2025-03-31"),
    tables: list[dict[str, Any]] | None = None,
    suppressed_cells: int = 0,
) -> dict[str, Any]:
    months = _months(*period)
    document = {
        "schema": "attend-aggregates",
        "version": 1,
        "trust": {"ods_code": ods_code, "name": name},
        "period": {"from": period[0], "to": period[1]},
        "coverage": {
            "first_appointment": period[0],
            "last_appointment": period[1],
            "last_import_at": "2025-04-02T06:00:00+01:00",
        },
        "imd_vintage": "IMD2019",
        "attend_version": "1.0.0",
        "generated_at": "2025-04-02T07:00:00+01:00",
        "disclosure": {
            "threshold": 5,
            "rule": "counts 1-4 suppressed, with complements",
            "suppressed_cells": suppressed_cells,
        },
        "tables": tables if tables is not None else [quintile_table(even_cells(months))],
    }
    return sealed(document)


def as_bytes(document: dict[str, Any]) -> bytes:
    return json.dumps(document, indent=2).encode("utf-8")


def changed(document: dict[str, Any], *, reseal: bool = True, **changes: Any) -> dict[str, Any]:
    """A deep copy with top-level fields changed (and the hash made again, unless reseal=False)."""
    out = copy.deepcopy(document)
    out.update(changes)
    return sealed(out) if reseal else out


def _months(start: str, end: str) -> list[str]:
    y, m = int(start[:4]), int(start[5:7])
    out = []
    while f"{y:04d}-{m:02d}" <= end[:7]:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out
