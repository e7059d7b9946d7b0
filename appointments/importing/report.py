"""The downloadable error report: one CSV line per problem, safe to open in a spreadsheet.

Values come from the trust's file, so a cell could be a formula ("=HYPERLINK(…)")
that a spreadsheet would run when a person opens the report. Any cell that starts
with = + - @ or a tab or carriage return is prefixed with a single quote (OWASP's
advice for CSV injection), so it is shown as text.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator

from appointments.importing.models import ImportBatch

HEADER = ("line", "column", "value", "problem", "severity")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    def write(self, value: str) -> str:
        return value


def safe_cell(value: object) -> str:
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def error_report_lines(batch: ImportBatch) -> Iterator[str]:
    """The report as CSV lines, streamed from the database."""
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    rows = batch.row_errors.order_by("line", "id").values_list("line", "column", "value", "reason", "severity")
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow([safe_cell(cell) for cell in row])
    if batch.errors_truncated:
        yield writer.writerow(["", "", "", "more problems than the report keeps; fix these and import again", ""])
