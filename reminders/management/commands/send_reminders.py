"""Plan reminders and send the ones that are due now (what the beat tasks do, on demand)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from appointments.working_days import BankHolidaysUnavailable
from config.localtime import as_of_instant, parse_local_date
from reminders.planning import reminders_plan
from reminders.selectors import reminders_waiting, waiting_sentences
from reminders.sending import reminders_sweep


class Command(BaseCommand):
    help = "Plan SMS reminders for upcoming appointments and send those that are due, in the sending window."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-plan", action="store_true", help="Only send; do not plan new reminders first.")
        parser.add_argument(
            "--as-of",
            type=parse_local_date,
            default=None,
            help="Plan as of the start of this local date (YYYY-MM-DD; default now), e.g. to replay an extract. "
            "On any day but today nothing is sent: a text goes out only at the real time.",
        )
        parser.add_argument("--ignore-window", action="store_true", help="Send even outside the sending window.")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args, **options) -> None:
        as_of = options["as_of"]
        replaying = as_of is not None and as_of != timezone.localdate()
        try:
            planned = {} if options["no_plan"] else reminders_plan(now=as_of_instant(as_of))
        except BankHolidaysUnavailable as exc:
            raise CommandError(f"Nothing planned or sent: {exc}") from None
        if replaying:
            summary = {"planned": planned.get("planned", 0), "sending_skipped": f"--as-of {as_of} is not today"}
            if options["json"]:
                self.stdout.write(json.dumps(summary))
            else:
                self.stdout.write(
                    f"Planned {summary['planned']} as of {as_of}; nothing sent (texts go out only at the real time)."
                )
            return
        sweep = reminders_sweep(ignore_window=options["ignore_window"]).as_dict()
        summary = {"planned": planned.get("planned", 0), **sweep}
        if not sweep["calendar_error"]:
            summary.update(reminders_waiting(timezone.now()))
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        if sweep["calendar_error"]:
            raise CommandError(f"Nothing sent: {sweep['calendar_error']}")
        if not sweep["window_open"]:
            self.stdout.write("Outside the sending window: nothing sent (use --ignore-window to override).")
        self.stdout.write(
            f"Planned {summary['planned']}; sent {sweep['sent']}, skipped {sweep['skipped']}, "
            f"failed {sweep['failed']}, to retry {sweep['retrying']}."
        )
        for line in waiting_sentences(summary):
            self.stdout.write(line)
