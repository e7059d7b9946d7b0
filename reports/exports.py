"""CSV for every report table: the same rows the pages and the API show."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from config.spreadsheets import safe_cell


def rows_to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Rows of plain values as CSV with a header row; None (including suppressed values) is blank."""
    rows = list(rows)
    if not rows:
        return ""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _cell(value) for key, value in row.items()})
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, str):
        return safe_cell(value)  # never let a spreadsheet run a name as a formula
    return value
