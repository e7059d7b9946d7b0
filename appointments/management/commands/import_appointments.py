import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from appointments.importing.layouts import LAYOUTS
from appointments.importing.models import ImportBatch, ImportStatus
from appointments.importing.report import ProblemSummary, top_problems
from appointments.importing.services import import_extract

SUMMARY_FIELDS = (
    "id", "file_name", "file_sha256", "format", "layout", "status", "message", "rows_read", "rows_created",
    "rows_updated", "rows_unchanged", "rows_rejected", "rows_withdrawn", "patients_created", "patients_updated",
    "unmatched_postcodes", "unmatched_lsoas", "rules_applied", "new_codes", "replanning", "duration_seconds",
)  # fmt: skip
TOP_REASONS = 5


def _rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def _lines(lines: list[int], count: int) -> str:
    shown = ", ".join(f"{line:,}" for line in lines)
    return f"line {shown}" if count == 1 else f"lines {shown}{' …' if count > len(lines) else ''}"


def _problem(problem: ProblemSummary) -> str:
    column = f"{problem.column}: " if problem.column else ""
    return f"  {problem.count:>7,}  {column}{problem.reason} ({_lines(problem.first_lines, problem.count)})"


def what_happened(batch: ImportBatch) -> list[str]:
    """The lines after the counts: the rules that fired, the codes seen for the first time, and
    the top reasons rows were rejected or values ignored, so nobody needs the admin to know."""
    out: list[str] = []
    if batch.rules_applied:
        out.append(f"Rules applied ({batch.layout} layout):")
        out += [f"  {rule['rule']}: {_rows(rule['rows'])}" for rule in batch.rules_applied]
    for kind, found in batch.new_codes.items():
        more = f" … ({found['count']:,} in all)" if found["count"] > len(found["codes"]) else ""
        out.append(f"New {kind} (first seen in this file): {' '.join(found['codes'])}{more}")
    if batch.unmatched_lsoas:
        out.append(f"{batch.unmatched_lsoas:,} LSOAs not ranked in the loaded IMD (no decile).")
    for severity, title in (("error", "Top reasons rows were rejected"), ("warning", "Top warnings (rows kept)")):
        problems = top_problems(batch, severity=severity, limit=TOP_REASONS)
        if problems:
            out.append(f"{title}:")
            out += [_problem(problem) for problem in problems]
    return out


class Command(BaseCommand):
    help = "Import an appointment extract: CSV (a built-in layout, or mapped) or a FHIR R4 Bundle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The extract (CSV or FHIR JSON).")
        parser.add_argument(
            "--layout", choices=sorted(LAYOUTS), help="A built-in layout: attend (the default) or cds-outpatient."
        )
        parser.add_argument("--mapping", type=Path, help="Mapping file for a trust's own headers (JSON or CSV).")
        parser.add_argument(
            "--revalidate-all",
            action="store_true",
            help="Validate and write every row, even those an earlier import took unchanged (fingerprints).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if options["mapping"] and not options["mapping"].is_file():
            raise CommandError(f"{options['mapping']}: no such mapping file.")
        if options["mapping"] and options["layout"]:
            raise CommandError("Give --layout or --mapping, not both.")
        bar = tqdm(
            total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name, file=self.stderr._out,
            disable=bool(options["no_progress"]), leave=True,
        )  # fmt: skip

        def progress(chars: int) -> None:
            bar.update(max(0, min(chars, bar.total) - bar.n))

        try:
            batch = import_extract(
                path=path,
                mapping_path=options["mapping"],
                layout=options["layout"],
                progress=progress,
                revalidate_all=options["revalidate_all"],
            )
        finally:
            bar.close()
        summary = {name: getattr(batch, name) for name in SUMMARY_FIELDS}
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"{batch.file_name}: {batch.rows_read:,} rows read, {batch.rows_created:,} created, "
                f"{batch.rows_updated:,} updated, {batch.rows_unchanged:,} unchanged, "
                f"{batch.rows_rejected:,} rejected"
                + (f", {batch.rows_withdrawn:,} withdrawn (entered in error)" if batch.rows_withdrawn else "")
                + "; "
                f"{batch.unmatched_postcodes:,} postcodes not found (no IMD decile); {batch.duration_seconds:.1f}s "
                f"(import batch {batch.id})."
            )
            for line in what_happened(batch):
                self.stdout.write(line)
        if batch.status == ImportStatus.REFUSED:
            raise CommandError(f"Refused, nothing imported: {batch.message}")
        if batch.status == ImportStatus.FAILED:
            raise CommandError(batch.message)
