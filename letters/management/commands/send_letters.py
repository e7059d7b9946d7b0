"""Plan letter reminders and send (or put in today's print batch) those due: what beat does, on demand."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from appointments.working_days import BankHolidaysUnavailable
from config.localtime import as_of_instant, parse_local_date
from letters.planning import letters_plan
from letters.sending import letters_send_due


class Command(BaseCommand):
    help = "Plan letters for patients who cannot be texted, and send or batch for printing those due today."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", type=parse_local_date, default=None,
            help="Plan as of the start of this local date (YYYY-MM-DD; default now). On any day but today "
            "nothing is sent or batched.",
        )  # fmt: skip
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args, **options) -> None:
        as_of = options["as_of"]
        try:
            summary: dict[str, object] = letters_plan(now=as_of_instant(as_of))
        except BankHolidaysUnavailable as exc:
            raise CommandError(f"No letters planned or sent: {exc}") from None
        if as_of is not None and as_of != timezone.localdate():
            summary["sending_skipped"] = f"--as-of {as_of} is not today"
        else:
            summary |= letters_send_due().as_dict()
        self.stdout.write(json.dumps(summary) if options["json"] else ", ".join(f"{k} {v}" for k, v in summary.items()))
