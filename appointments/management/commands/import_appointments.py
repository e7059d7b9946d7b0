import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from appointments.importing.models import ImportStatus
from appointments.importing.services import import_extract

SUMMARY_FIELDS = (
    "id", "file_name", "file_sha256", "format", "status", "message", "rows_read", "rows_created", "rows_updated",
    "rows_unchanged", "rows_rejected", "patients_created", "patients_updated", "unmatched_postcodes",
    "replanning", "duration_seconds",
)  # fmt: skip


class Command(BaseCommand):
    help = "Import an appointment extract: CSV (shared/DESIGN.md columns, or mapped) or a FHIR R4 Bundle."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The extract (CSV or FHIR JSON).")
        parser.add_argument("--mapping", type=Path, help="Mapping file for a trust's own headers (JSON or CSV).")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if options["mapping"] and not options["mapping"].is_file():
            raise CommandError(f"{options['mapping']}: no such mapping file.")
        bar = tqdm(
            total=path.stat().st_size, unit="B", unit_scale=True, desc=path.name, file=self.stderr._out,
            disable=bool(options["no_progress"]), leave=True,
        )  # fmt: skip

        def progress(chars: int) -> None:
            bar.update(max(0, min(chars, bar.total) - bar.n))

        try:
            batch = import_extract(path=path, mapping_path=options["mapping"], progress=progress)
        finally:
            bar.close()
        summary = {name: getattr(batch, name) for name in SUMMARY_FIELDS}
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                f"{batch.file_name}: {batch.rows_read:,} rows read, {batch.rows_created:,} created, "
                f"{batch.rows_updated:,} updated, {batch.rows_unchanged:,} unchanged, "
                f"{batch.rows_rejected:,} rejected; "
                f"{batch.unmatched_postcodes:,} postcodes not found (no IMD decile); {batch.duration_seconds:.1f}s "
                f"(import batch {batch.id})."
            )
        if batch.status == ImportStatus.REFUSED:
            raise CommandError(f"Refused, nothing imported: {batch.message}")
        if batch.status == ImportStatus.FAILED:
            raise CommandError(batch.message)
