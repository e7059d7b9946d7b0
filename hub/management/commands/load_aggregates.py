"""Load one member trust's aggregate file into the collaborative hub."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hub.services import aggregate_file_load


class Command(BaseCommand):
    help = "Load a member trust's aggregate file (docs/aggregates/attend-aggregates-v1.schema.json) into the hub."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args, file: Path, **options) -> None:
        if not settings.ATTEND_HUB_ENABLED:
            raise CommandError("This Attend is not a collaborative hub: set ATTEND_HUB_ENABLED=true to load files.")
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        result = aggregate_file_load(content=content, sender=f"command line: {file.name}")
        received = result.received_file
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "file": received.pk,
                        "status": received.status,
                        "reason": received.reason,
                        "trust": received.ods_code,
                        "rows": received.figures.count(),
                    }
                )
            )
        if not result.loaded and received.status != "duplicate":
            raise CommandError(result.message)
        self.stdout.write(result.message)
