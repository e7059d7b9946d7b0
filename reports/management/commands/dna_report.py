import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.exports import rows_to_csv
from reports.selectors import DIMENSIONS, UnknownDimension, dna_rates, rates_as_dicts


class Command(BaseCommand):
    help = "DNA rates with 95% Wilson intervals by one dimension, or two crossed (cancellations excluded)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--by", action="append", required=True, choices=sorted(DIMENSIONS), help="Give once or twice."
        )
        parser.add_argument("--from", dest="date_from", type=date.fromisoformat, help="First day (YYYY-MM-DD).")
        parser.add_argument("--to", dest="date_to", type=date.fromisoformat, help="Last day (YYYY-MM-DD).")
        parser.add_argument("--site", help="ODS site code.")
        parser.add_argument("--specialty", help="Treatment function code.")
        parser.add_argument("--format", choices=("json", "csv"), default="json")
        parser.add_argument(
            "--suppress", action="store_true", help="Suppress counts under 5 as director views do (for sharing)."
        )
        parser.add_argument("--json", action="store_true", help="Same as --format json.")

    def handle(self, *args: object, **options: object) -> None:
        by = list(options["by"])
        if len(by) > 2:
            raise CommandError("Give --by at most twice.")
        try:
            rows = dna_rates(
                by[0],
                by[1] if len(by) == 2 else None,
                date_from=options["date_from"],
                date_to=options["date_to"],
                site=options["site"],
                specialty=options["specialty"],
            )
        except UnknownDimension as exc:
            raise CommandError(str(exc)) from None
        plain = rates_as_dicts(rows, suppress=bool(options["suppress"]))
        if options["format"] == "csv" and not options["json"]:
            self.stdout.write(rows_to_csv(plain), ending="")
            return
        self.stdout.write(json.dumps({"by": by, "rows": plain}))
