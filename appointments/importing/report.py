"""The downloadable error report: one CSV line per problem, safe to open in a spreadsheet
(values come from the trust's file; `config.spreadsheets.safe_writer` escapes formulas)."""

from __future__ import annotations

from collections.abc import Iterator

from appointments.importing.models import ImportBatch
from config.spreadsheets import safe_writer

HEADER = ("line", "column", "value", "problem", "severity")


class _Echo:
    def write(self, value: str) -> str:
        return value


def error_report_lines(batch: ImportBatch) -> Iterator[str]:
    """The report as CSV lines, streamed from the database."""
    writer = safe_writer(_Echo())
    yield writer.writerow(HEADER)
    rows = batch.row_errors.order_by("line", "id").values_list("line", "column", "value", "reason", "severity")
    for row in rows.iterator(chunk_size=2000):
        yield writer.writerow(row)
    if batch.errors_truncated:
        yield writer.writerow(["", "", "", "more problems than the report keeps; fix these and import again", ""])
