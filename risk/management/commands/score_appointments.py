import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.localtime import as_of_instant, parse_local_date
from risk.predictor import ArtifactError
from risk.scoring import ScoringError, score_upcoming


class Command(BaseCommand):
    help = "Score every upcoming appointment with the active risk model (probability, band and top three reasons)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.ATTEND_RISK_SCORE_DAYS,
            help="Score appointments starting in the next this many days (default %(default)s).",
        )
        parser.add_argument(
            "--as-of",
            type=parse_local_date,
            default=None,
            help="Score as of the start of this local date (YYYY-MM-DD; default now), e.g. to replay an extract.",
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        if int(options["days"]) < 1:
            raise CommandError("--days must be at least 1.")
        try:
            summary = score_upcoming(days=int(options["days"]), now=as_of_instant(options["as_of"]))
        except (ScoringError, ArtifactError) as exc:
            raise CommandError(f"Nothing scored. {exc}") from None
        if options["json"]:
            self.stdout.write(json.dumps(summary.as_dict()))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Scored {summary.appointments:,} upcoming appointments with risk model v{summary.model_version}: "
                    f"{summary.high:,} high, {summary.medium:,} medium, {summary.low:,} low."
                )
            )
