"""The night's work in one go, in the order beat runs it: import (if a file is given),
score, plan reminders, build the day's call lists, list children's DNAs for safeguarding,
refresh the reports, send what is due, then plan and send (or batch for printing) letters.

Beat runs each step as its own task at its own time (config/beat.py). This command runs
the same steps one after another, for the demo, for a trust's first run, and for an
operator re-running a night by hand. Each step is the step's own management command, so
this adds no logic of its own; a step that cannot run (no active risk model yet, say)
is reported and the others still run.
"""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from config.localtime import parse_local_date
from reminders.selectors import waiting_sentences


class Command(BaseCommand):
    help = "Run the nightly pipeline: import, score, plan reminders, build call lists, refresh reports, send."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--extract", help="An appointment extract to import first (CSV or FHIR Bundle).")
        parser.add_argument("--mapping", help="Column mapping file for the extract.")
        parser.add_argument(
            "--as-of",
            "--date",
            dest="as_of",
            type=parse_local_date,
            default=None,
            help="Run the night as of the start of this local date (YYYY-MM-DD; default now): scoring, "
            "reminder planning and the call lists all take it (--date is its older name). On any day "
            "but today reminders are planned, not sent.",
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        day = options["as_of"] or timezone.localdate()
        as_of = ["--as-of", day.isoformat()]
        steps: list[tuple[str, str, list[str]]] = []
        if options["extract"]:
            extract = [str(options["extract"]), "--no-progress"] + (
                ["--mapping", str(options["mapping"])] if options["mapping"] else []
            )
            steps.append(("import", "import_appointments", extract))
        steps += [
            ("score", "score_appointments", as_of),
            ("build_worklists", "build_worklists", as_of),
            ("safeguarding", "list_safeguarding_dnas", []),
            ("refresh_reports", "refresh_report_rollup", []),
            ("reminders", "send_reminders", as_of),
            ("letters", "send_letters", as_of),
        ]
        summary: dict[str, object] = {}
        for name, command, arguments in steps:
            summary[name] = self._run(command, arguments)
            if not options["json"]:
                self.stdout.write(f"{name}: {json.dumps(summary[name])}")
                if name == "reminders":
                    for line in waiting_sentences(summary[name]):
                        self.stdout.write(f"  {line}")
        if options["json"]:
            self.stdout.write(json.dumps(summary))

    def _run(self, command: str, arguments: list[str]) -> dict[str, object]:
        out = StringIO()
        try:
            call_command(command, *arguments, "--json", stdout=out, stderr=StringIO())
        except CommandError as exc:
            return {"skipped": str(exc)}
        lines = out.getvalue().strip().splitlines()
        return json.loads(lines[-1]) if lines else {}
