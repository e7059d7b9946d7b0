import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.disclosure import Audience
from reports.disclosure import PublishedOnlyError, check_published, report_disclosure
from reports.selectors import DIMENSIONS, UnknownDimension, dna_rates
from reports.tables import RATE_COLUMNS, rows_to_csv, with_dnas_named


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
            "--suppress",
            action="store_true",
            help="What a director may see (for sharing): counts under 5 and anything built on them withheld, and "
            "the cells that would give them back by subtraction from the dashboard's other tables.",
        )
        parser.add_argument("--json", action="store_true", help="Same as --format json.")

    def handle(self, *args: object, **options: object) -> None:
        by = list(options["by"])
        if len(by) > 2:
            raise CommandError("Give --by at most twice.")
        audience = Audience.DIRECTOR if options["suppress"] else Audience.ANALYST
        filters = {key: options[key] for key in ("date_from", "date_to", "site", "specialty") if options[key]}
        try:
            if audience.suppressed:
                check_published(by[0], by[1] if len(by) == 2 else None)
            rows = dna_rates(by[0], by[1] if len(by) == 2 else None, **filters)
        except (UnknownDimension, PublishedOnlyError) as exc:
            raise CommandError(str(exc)) from None
        plain = with_dnas_named(report_disclosure(audience, filters).rates(rows), by)
        if options["format"] == "csv" and not options["json"]:
            named = ("dnas_named",) if "age_band" in by else ()
            self.stdout.write(rows_to_csv(plain, (*by, *RATE_COLUMNS, *named)), ending="")
            return
        self.stdout.write(json.dumps({"by": by, "rows": plain}))
