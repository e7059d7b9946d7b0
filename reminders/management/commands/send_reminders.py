"""Plan reminders and send the ones that are due now (what the beat tasks do, on demand)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandParser

from reminders.planning import reminders_plan
from reminders.sending import reminders_sweep


class Command(BaseCommand):
    help = "Plan SMS reminders for upcoming appointments and send those that are due, in the sending window."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-plan", action="store_true", help="Only send; do not plan new reminders first.")
        parser.add_argument("--ignore-window", action="store_true", help="Send even outside the sending window.")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args, **options) -> None:
        planned = {} if options["no_plan"] else reminders_plan()
        sweep = reminders_sweep(ignore_window=options["ignore_window"]).as_dict()
        summary = {"planned": planned.get("planned", 0), **sweep}
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        if not sweep["window_open"]:
            self.stdout.write("Outside the sending window: nothing sent (use --ignore-window to override).")
        self.stdout.write(
            f"Planned {summary['planned']}; sent {sweep['sent']}, skipped {sweep['skipped']}, "
            f"failed {sweep['failed']}, to retry {sweep['retrying']}."
        )
