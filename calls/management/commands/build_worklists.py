import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from appointments.working_days import BankHolidaysUnavailable
from calls.building import build_worklists
from config.localtime import as_of_instant, parse_local_date


class Command(BaseCommand):
    help = "Allocate pilot arms and fill the day's call lists (default today)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            "--date",
            dest="as_of",
            type=parse_local_date,
            default=None,
            help="The list's day (YYYY-MM-DD; default today), built as at the start of that day. "
            "--date is the same option under its older name.",
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        now = as_of_instant(options["as_of"])
        day = options["as_of"] or timezone.localdate(now)
        try:
            summary = {"date": day.isoformat(), **build_worklists(day=day, now=now)}
        except BankHolidaysUnavailable as exc:
            raise CommandError(f"No call lists built: {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        elif summary.get("closed"):
            self.stdout.write(f"No call lists for {day:%d %B %Y}: {summary['closed']}.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Call lists for {day:%d %B %Y}: {summary.get('calls_created', 0)} calls added, "
                    f"{summary.get('calls_carried_over', 0)} carried over, {summary.get('calls_cancelled', 0)} "
                    f"cancelled, {summary.get('over_capacity', 0)} over capacity."
                )
            )
