"""python manage.py export_aggregates --from 2025-04-01 --to 2026-03-31 [--out FILE] [--send] [--json]"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from aggregates import delivery, mesh
from aggregates.files import InvalidAggregateFile
from aggregates.services import ExportError, export_aggregates


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {text!r}") from None


class Command(BaseCommand):
    help = (
        "Disclosure-controlled count tables for a collaborative hub (docs/aggregates/"
        "attend-aggregates-v1.schema.json), for whole months; written to --out or standard output."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="date_from", type=_day, required=True, help="First day of a month.")
        parser.add_argument("--to", dest="date_to", type=_day, required=True, help="Last day of a month.")
        parser.add_argument("--out", type=Path, help="The file to write (default: standard output).")
        parser.add_argument("--send", action="store_true", help="Also send it over MESH (ATTEND_MESH_* settings).")
        parser.add_argument("--json", action="store_true", help="A JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        if options["send"] and not mesh.is_configured():
            raise CommandError("--send needs MESH set up: ATTEND_MESH_URL is blank.")
        out: Path | None = options["out"]
        if out is not None and not out.parent.is_dir():
            raise CommandError(f"No such folder: {out.parent}")
        try:
            exported = export_aggregates(
                date_from=options["date_from"], date_to=options["date_to"], actor_label="export_aggregates command"
            )
        except (ExportError, InvalidAggregateFile) as exc:
            raise CommandError(str(exc)) from None
        content = bytes(exported.content)
        summary = {
            "file": exported.pk,
            "sha256": exported.sha256,
            "period": [exported.period_from.isoformat(), exported.period_to.isoformat()],
            "suppressed_cells": exported.suppressed_cells,
            "bytes": len(content),
        }
        if out is not None:
            out.write_bytes(content)
            summary["out"] = str(out)
        elif not options["json"]:
            self.stdout.write(content.decode("utf-8"))
        if options["send"]:
            sent = delivery.send(delivery.queue_send(exported).pk)
            summary.update(mesh_status=sent.status, message_id=sent.message_id, error=sent.last_error)
        if options["json"]:
            self.stdout.write(json.dumps(summary))
        elif out is not None:
            self.stdout.write(
                f"Wrote {out}: {len(content):,} bytes, {exported.suppressed_cells} cells suppressed, "
                f"SHA-256 {exported.sha256}."
            )
