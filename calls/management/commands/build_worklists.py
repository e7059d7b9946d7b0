import json
from datetime import date

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from calls.building import build_worklists


class Command(BaseCommand):
    help = "Allocate pilot arms and fill the day's call lists (default today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=date.fromisoformat, default=None, help="The list's day (YYYY-MM-DD).")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        day = options["date"] or timezone.localdate()
        summary = {"date": day.isoformat(), **build_worklists(day=day)}
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Call lists for {day:%d %B %Y}: {summary.get('calls_created', 0)} calls added, "
                    f"{summary.get('calls_carried_over', 0)} carried over, {summary.get('calls_cancelled', 0)} "
                    f"cancelled, {summary.get('over_capacity', 0)} over capacity."
                )
            )
