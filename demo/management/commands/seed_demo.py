import json
from dataclasses import asdict
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from demo import synthetic
from demo.pilot import run_past_demo_pilot
from demo.trust import RealDataPresent, load_synthetic_trust


class Command(BaseCommand):
    help = "Create a synthetic trust (patients, clinics, two years of outcomes, six weeks ahead) for the demo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--patients", type=int, default=20_000, help="How many patients (default 20,000).")
        parser.add_argument("--seed", type=int, default=2019, help="Random seed: same seed, same data.")
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="Generate as if today were this date (YYYY-MM-DD)."
        )
        parser.add_argument("--allow-real-data", action="store_true", help="Seed even though non-demo patients exist.")
        parser.add_argument(
            "--no-pilot", action="store_true", help="Leave out the past pilot (randomised, with a known effect)."
        )
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        if int(options["patients"]) < 1:
            raise CommandError("--patients must be at least 1.")
        today = options["today"] or timezone.localdate()
        trust = synthetic.generate(patients=int(options["patients"]), seed=int(options["seed"]), today=today)
        try:
            summary = load_synthetic_trust(trust, allow_real_data=bool(options["allow_real_data"]))
        except RealDataPresent as exc:
            raise CommandError(str(exc)) from None
        result = {"today": today.isoformat(), "seed": options["seed"], **asdict(summary)}
        if not options["no_pilot"]:
            result["pilot"] = asdict(run_past_demo_pilot(trust, today=today))
        if options["json"]:
            self.stdout.write(json.dumps(result))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Synthetic trust ready: {summary.patients:,} patients, {summary.past_appointments:,} past and "
                    f"{summary.upcoming_appointments:,} upcoming appointments across {summary.clinics} clinics."
                )
            )
            if "pilot" in result:
                pilot = result["pilot"]
                self.stdout.write(
                    f"Past pilot: {pilot['allocated']:,} high-risk appointments randomised, "
                    f"{pilot['intervention']:,} to phone support ({pilot['dnas_prevented']:,} DNAs it prevented)."
                )
