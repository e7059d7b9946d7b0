import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from config.localtime import as_of_instant, parse_local_date
from risk.predictor import ArtifactError
from risk.presenters import RiskModelPresenter
from risk.registry import train_and_register
from risk.training import TrainingError


class Command(BaseCommand):
    help = (
        "Train a DNA risk model on appointments that happened before the as-of date, holding out the most "
        "recent of them, and print its hold-out metrics beside the baselines. The new model scores only once "
        "activated."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            type=parse_local_date,
            default=None,
            help="Train as of the start of this local date (YYYY-MM-DD; default now), e.g. on last year's extract.",
        )
        parser.add_argument(
            "--holdout-from",
            type=parse_local_date,
            default=None,
            help="The hold-out is the appointments from this date to the as-of date "
            "(default: the most recent 20%% of the appointments that happened, by whole days).",
        )
        parser.add_argument(
            "--calibration-from",
            type=parse_local_date,
            default=None,
            help="The calibration (validation) slice runs from this date to the hold-out "
            "(default: the most recent 20%% of what comes before the hold-out).",
        )
        parser.add_argument(
            "--calls-per-day",
            type=int,
            default=None,
            help="The call teams' capacity, for recall at capacity (default: every team's call handlers × its "
            "calls per handler).",
        )
        parser.add_argument("--activate", action="store_true", help="Activate the new model straight away.")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        try:
            model = train_and_register(
                as_of=as_of_instant(options["as_of"]),
                holdout_from=options["holdout_from"],
                validation_from=options["calibration_from"],
                calls_per_day=options["calls_per_day"],
                activate=bool(options["activate"]),
            )
        except (TrainingError, ArtifactError) as exc:
            raise CommandError(f"No model trained; the active model is unchanged. {exc}") from None
        if options["json"]:
            summary = {
                "version": model.version,
                "active": model.is_active,
                "features": model.features,
                "trained_from": str(model.trained_from),
                "trained_to": str(model.trained_to),
                "calibration_from": model.parameters.get("calibration_from"),
                "holdout_from": str(model.holdout_from),
                "holdout_to": str(model.holdout_to),
                "rows": model.parameters.get("rows", {}),
                "metrics": model.metrics,
                "chosen": model.metrics.get("selection", {}).get("winner"),
                "uninformative_inputs": model.metrics.get("uninformative_inputs", []),
            }
            self.stdout.write(json.dumps(summary, default=float))
            return
        self.stdout.write(
            f"Risk model v{model.version}: trained {model.trained_from} to {model.trained_to}, "
            f"hold-out {model.holdout_from} to {model.holdout_to}."
        )
        card = RiskModelPresenter(model)
        if card.sample:
            self.stdout.write(card.sample)
        for line in card.uninformative_inputs:
            self.stdout.write(f"Left out (no information on this data): {line}")
        self.stdout.write(card.selection)
        for name, settings, loss, auc in card.candidate_rows:
            self.stdout.write(f"  {name:<40} validation log-loss {loss:>8}  AUC {auc:>6}  {settings}")
        for table in card.tables:
            self.stdout.write(f"\n{table['label']}:")
            self.stdout.write(f"{'':<52}" + "".join(f"{name[:24]:>26}" for name in table["names"]))
            for label, values in table["rows"]:
                self.stdout.write(f"{label[:52]:<52}" + "".join(f"{value:>26}" for value in values))
            for sentence in table["comparisons"]:
                self.stdout.write(sentence)
        self.stdout.write(f"\n{card.capacity}")
        self.stdout.write(f"\n{card.verdict}")
        state = (
            "active" if model.is_active else "not active: an admin activates it on the model page or with --activate"
        )
        self.stdout.write(self.style.SUCCESS(f"Registered v{model.version} ({state})."))
