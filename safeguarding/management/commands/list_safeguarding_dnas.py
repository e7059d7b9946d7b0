import json

from django.core.management.base import BaseCommand, CommandParser

from safeguarding.models import SafeguardingEntry
from safeguarding.services import safeguarding_list_dnas


class Command(BaseCommand):
    help = (
        "Put every child's DNA (was not brought) in a safeguarding specialty that is not listed yet on the "
        "safeguarding list (ATTEND_SAFEGUARDING_SPECIALTIES, ATTEND_CHILD_AGE_UNDER). Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        listed = safeguarding_list_dnas()
        summary = {"listed": listed, "to_review": SafeguardingEntry.objects.to_review().count()}
        self.stdout.write(
            json.dumps(summary) if options["json"] else f"Listed {listed}; {summary['to_review']} to review."
        )
