"""The downloadable error report: one CSV line per problem, then one per value rule that
fired (severity "rule"), safe to open in a spreadsheet (values come from the trust's file;
`config.spreadsheets.safe_writer` escapes formulas); and the top reasons, for the command."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Min
from django.http import HttpRequest, StreamingHttpResponse

from appointments.importing.models import ImportBatch
from audit.services import audit_export
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
    for rule in batch.rules_applied:
        yield writer.writerow(["", "", "", f"rule applied: {rule['rule']}: {rule['rows']:,} row(s)", "rule"])
    if batch.errors_truncated:
        yield writer.writerow(["", "", "", "more problems than the report keeps; fix these and import again", ""])


@dataclass(frozen=True)
class ProblemSummary:
    """One reason rows were rejected (or values ignored): how often, and the first lines it hit."""

    severity: str
    column: str
    reason: str
    count: int
    first_lines: list[int]


def top_problems(batch: ImportBatch, *, severity: str, limit: int = 5, lines: int = 5) -> list[ProblemSummary]:
    """The commonest reasons of one severity ("error" or "warning"), most frequent first,
    counted in the database; the report keeps MAX_REPORTED_PROBLEMS, so do these counts."""
    problems = batch.row_errors.filter(severity=severity)
    grouped = (
        problems.values("column", "reason").annotate(count=Count("id"), first=Min("line")).order_by("-count", "first")
    )
    return [
        ProblemSummary(
            severity=severity,
            column=group["column"],
            reason=group["reason"],
            count=group["count"],
            first_lines=list(
                problems.filter(column=group["column"], reason=group["reason"])
                .order_by("line")
                .values_list("line", flat=True)[:lines]
            ),
        )
        for group in grouped[:limit]
    ]


def error_report_response(request: HttpRequest, batch: ImportBatch) -> StreamingHttpResponse:
    """The error report as a CSV download (the admin's page and the API serve the same): it quotes
    the trust's rows, so the download is recorded as an export of the problems it holds."""
    audit_export(request, what=f"import {batch.pk} problems", rows=batch.row_errors.count())
    response = StreamingHttpResponse(error_report_lines(batch), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-problems.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
