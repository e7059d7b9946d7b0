from __future__ import annotations

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from config.localtime import local_days_bounds
from monitoring.services import live_checks_compute
from monitoring.tasks import previous_month
from risk.registry import active_model
from risk.scoring import score_past


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise CommandError(f"{text!r} is not a month in the form YYYY-MM.") from None


class Command(BaseCommand):
    help = "Compute the risk model's realised performance per month (what the monthly beat task does)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: last month).")
        parser.add_argument("--since", help="YYYY-MM: every month from this one to last month.")
        parser.add_argument(
            "--backfill-holdout",
            action="store_true",
            help="First score the active model's hold-out weeks (appointments it never saw) as it would "
            "have scored them, then check those months: how the demo's history fills the live page.",
        )
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, **options) -> None:
        if options["backfill_holdout"]:
            options["since"], options["month"] = self._backfill()
        last = previous_month(timezone.localdate())
        if options["month"] and options["since"] and not options["backfill_holdout"]:
            raise CommandError("Give --month or --since, not both.")
        first = _month(options["since"] or options["month"]) if (options["since"] or options["month"]) else last
        final = _month(options["month"]) if options["month"] else last
        if first > final:
            raise CommandError(f"{first:%Y-%m} is after {final:%Y-%m}: nothing to compute.")
        done, month = {}, first
        while month <= final:
            done[f"{month:%Y-%m}"] = live_checks_compute(month=month)
            month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
        if options["json"]:
            self.stdout.write(json.dumps(done))
        else:
            for month_text, rows in done.items():
                self.stdout.write(f"{month_text}: {rows} checks")

    def _backfill(self) -> tuple[str, str]:
        model = active_model()
        if model is None or model.holdout_from is None or model.holdout_to is None:
            raise CommandError("No active model with a hold-out: train one with train_risk_model --activate.")
        start, end = local_days_bounds(model.holdout_from, model.holdout_to)
        scored = score_past(model=model, start=start, end=end)
        self.stdout.write(
            f"Scored {scored:,} appointments of v{model.version}'s hold-out ({model.holdout_from:%Y-%m-%d} to "
            f"{model.holdout_to:%Y-%m-%d}), which it never saw, as it would have scored them."
        )
        return f"{model.holdout_from:%Y-%m}", f"{model.holdout_to:%Y-%m}"
