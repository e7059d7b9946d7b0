import json
from dataclasses import asdict
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from patients.deprivation.readers import ReferenceFileError
from patients.deprivation.services import (
    import_lsoa_imd,
    import_postcode_lsoa,
    refresh_patient_deprivation,
    text_lines,
)
from patients.models import ImdVintage


class Command(BaseCommand):
    help = (
        "Load the deprivation reference tables: postcode → LSOA from the ONS postcode directory (NSPL/ONSPD CSV) "
        "and LSOA → IMD rank and decile from an English Indices of Deprivation File 1 (CSV)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--postcode-lsoa", type=Path, help="ONS postcode directory CSV (NSPL or ONSPD).")
        parser.add_argument(
            "--lsoa-imd", type=Path, action="append", default=[], help="IoD File 1 CSV (may be given twice)."
        )
        parser.add_argument(
            "--vintage", choices=ImdVintage.values, help="Check the IMD file is this vintage (refused if not)."
        )
        parser.add_argument(
            "--refresh-patients", action="store_true", help="Then re-derive every patient's LSOA and IMD decile."
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        postcode_file, imd_files = options["postcode_lsoa"], options["lsoa_imd"]
        if not postcode_file and not imd_files and not options["refresh_patients"]:
            raise CommandError("Give --postcode-lsoa FILE and/or --lsoa-imd FILE.")
        for path in [postcode_file, *imd_files]:
            if path and not path.is_file():
                raise CommandError(f"{path}: no such file.")
        result: dict[str, object] = {}
        try:
            if postcode_file:
                summary = import_postcode_lsoa(lines=text_lines(postcode_file), file_name=postcode_file.name)
                result["postcode_lsoa"] = asdict(summary)
                self._say(f"{postcode_file.name}: {summary.rows_loaded:,} postcode LSOAs loaded", summary)
            for path in imd_files:
                summary = import_lsoa_imd(lines=text_lines(path), vintage=options["vintage"], file_name=path.name)
                result.setdefault("lsoa_imd", []).append(asdict(summary))
                self._say(f"{path.name}: {summary.rows_loaded:,} LSOAs loaded ({summary.vintage})", summary)
            if options["refresh_patients"]:
                result["patients"] = refresh_patient_deprivation(vintage=options["vintage"])
                self.stdout.write(f"Patients re-derived: {result['patients']}")
        except ReferenceFileError as exc:
            raise CommandError(f"Refused, nothing loaded from that file: {exc}.") from None
        if options["json"]:
            self.stdout.write(json.dumps(result))

    def _say(self, message: str, summary: object) -> None:
        skipped = summary.rows_skipped
        self.stdout.write(self.style.SUCCESS(message) + (f"; {skipped:,} rows skipped" if skipped else ""))
        for example in summary.skipped_examples:
            self.stdout.write(f"  {example}")
