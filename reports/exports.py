"""CSV for every report table: the same rows the pages and the API show."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from config.spreadsheets import safe_writer


def rows_to_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Rows of plain values as CSV with a header row; None (including suppressed values) is blank."""
    rows = list(rows)
    if not rows:
        return ""
    out = io.StringIO()
    fieldnames = list(rows[0])
    writer = safe_writer(out, lineterminator="\n")  # every cell through the one safe-cell rule
    writer.writerow(fieldnames)
    for row in rows:
        writer.writerow(_cell(row.get(key)) for key in fieldnames)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value
