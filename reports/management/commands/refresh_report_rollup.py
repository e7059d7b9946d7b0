import json

from django.core.management.base import BaseCommand, CommandParser

from reports.rollup import rollup_rebuild, rollup_refresh


class Command(BaseCommand):
    help = (
        "Bring the reports' rollup (DNA counts per day, clinic and IMD decile) up to date: only the days "
        "touched since the last build are recomputed, or every day with --full."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--full",
            action="store_true",
            help="Rebuild every day from the appointments (after changing TIME_ZONE, or if the rollup is suspect).",
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        build = rollup_rebuild() if options["full"] else rollup_refresh()
        summary = {
            "kind": build.kind,
            "rows": build.rows,
            "days": build.days,
            "seconds": round(build.seconds, 3),
            "built_at": build.built_at.isoformat(),
        }
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        elif build.days is None:
            self.stdout.write(f"Report rollup rebuilt in full: {build.rows:,} rows in {build.seconds:.1f} s.")
        else:
            self.stdout.write(
                f"Report rollup refreshed: {build.days:,} days recomputed, {build.rows:,} rows, {build.seconds:.1f} s."
            )
