"""CSV for every report table: the same rows the pages and the API show."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

from config.spreadsheets import safe_writer


def rows_to_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str]) -> str:
    """Rows of plain values as CSV under a header row of `columns` (written even when there are no
    rows, so an empty table still says what it would hold); None (including suppressed values) is blank."""
    out = io.StringIO()
    writer = safe_writer(out, lineterminator="\n")  # every cell through the one safe-cell rule
    writer.writerow(columns)
    for row in rows:
        writer.writerow(_cell(row.get(key)) for key in columns)
    return out.getvalue()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}"
    return value
