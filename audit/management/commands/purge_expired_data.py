import json

from django.core.management.base import BaseCommand, CommandParser

from audit.retention import purge_expired, retention_cutoff


class Command(BaseCommand):
    help = "Blank call notes, message bodies and other registered free text older than ATTEND_RETENTION_DAYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count what would be blanked; change nothing.")
        parser.add_argument("--days", type=int, help="Retention period in days (default: ATTEND_RETENTION_DAYS).")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        days, dry_run = options["days"], bool(options["dry_run"])
        cutoff = retention_cutoff(days=days)
        counts = purge_expired(days=days, dry_run=dry_run)
        verb = "would blank" if dry_run else "blanked"
        for name, count in counts.items():
            self.stdout.write(f"{name}: {verb} {count} rows older than {cutoff:%Y-%m-%d}")
        if options["json"]:
            summary = {
                "dry_run": dry_run,
                "cutoff": cutoff.isoformat(),
                "blanked": counts,
                "total": sum(counts.values()),
            }
            self.stdout.write(json.dumps(summary))
