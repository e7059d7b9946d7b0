import json

from django.core.management.base import BaseCommand, CommandParser

from reports.rollup import rollup_rebuild


class Command(BaseCommand):
    help = "Rebuild the reports' rollup (DNA counts per day, clinic and IMD decile) from the appointments."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        build = rollup_rebuild()
        summary = {"rows": build.rows, "seconds": round(build.seconds, 3), "built_at": build.built_at.isoformat()}
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(f"Report rollup rebuilt: {build.rows:,} rows in {build.seconds:.1f} s.")
