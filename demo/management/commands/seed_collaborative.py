"""Seed the collaborative hub with three synthetic member trusts' aggregate files (demo only)."""

import json
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from demo.collaborative import TRUSTS, collaborative_files
from hub.models import ReceivedFile
from hub.services import aggregate_file_load, member_trust_add


class Command(BaseCommand):
    help = (
        "Three synthetic trusts (different deprivation mixes, a pilot in two) join the collaborative hub and "
        "their aggregate files for the last 12 complete months are loaded. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2020, help="Random seed: same seed, same figures.")
        parser.add_argument("--today", type=date.fromisoformat, default=None, help="As if today were (YYYY-MM-DD).")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        today = options["today"] or timezone.localdate()
        end = date(today.year - (today.month == 1), (today.month - 2) % 12 + 1, 1)  # the last complete month
        files = collaborative_files(end_month=end, seed=int(options["seed"]))
        with transaction.atomic():
            members = [member_trust_add(ods_code=t.ods_code, name=t.name) for t in TRUSTS]
            # The demo trusts' earlier demo files go, so a later run (another month) does not overlap them.
            for received in ReceivedFile.objects.filter(trust__in=members):
                received.figures.all().delete()
            ReceivedFile.objects.filter(trust__in=members).delete()
            results = [aggregate_file_load(content=json.dumps(f).encode(), sender="seed_collaborative") for f in files]
        refused = [r.message for r in results if not r.loaded]
        if refused:
            raise CommandError("; ".join(refused))
        for result in results:
            self.stdout.write(result.message)
        if options["json"]:
            summary = {
                "trusts": len(results),
                "rows": sum(r.received_file.figures.count() for r in results),
                "period": [files[0]["period"]["from"], files[0]["period"]["to"]],
            }
            self.stdout.write(json.dumps(summary))
