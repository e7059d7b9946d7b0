import json

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import StaffProfile, Team
from accounts.roles import ADMIN, CALL_HANDLER, DIRECTOR, SAFEGUARDING_LEAD, TEAM_LEAD, sync_roles
from demo.targets import demo_targets

# One login per role, for the demo only. The passwords are printed and public, so
# the command refuses to run where DEBUG is off unless told otherwise.
DEMO_LOGINS = (
    ("handler", "Casey", "Handler", CALL_HANDLER),
    ("handler2", "Sam", "Handler", CALL_HANDLER),
    ("lead", "Lee", "Lead", TEAM_LEAD),
    ("director", "Dana", "Director", DIRECTOR),
    ("safeguarding", "Sasha", "Safeguarding", SAFEGUARDING_LEAD),
    ("admin", "Alex", "Admin", ADMIN),
)
DEMO_PASSWORD_SUFFIX = "-attend-demo"  # noqa: S105 - public by design, demo only


class Command(BaseCommand):
    help = "Create one demo login per role (call handler, team lead, director, admin) and print them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even though DEBUG is off.")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Demo logins have public passwords; refusing while DEBUG is off (use --force).")
        sync_roles()
        team, _ = Team.objects.get_or_create(name="Outpatient outreach")
        users = get_user_model()
        created = []
        for username, first, last, role in DEMO_LOGINS:
            user, _ = users.objects.get_or_create(username=username)
            user.first_name, user.last_name, user.is_staff = first, last, role.staff
            password = f"{username}{DEMO_PASSWORD_SUFFIX}"
            user.set_password(password)
            user.save()
            user.groups.set([Group.objects.get(name=role.group)])
            StaffProfile.objects.update_or_create(user=user, defaults={"team": team})
            created.append({"username": username, "password": password, "role": role.group})
        # The divisions' targets, owned by the demo director (after seed_demo: from its outcomes' dates).
        targets = [target.name for target in demo_targets(users.objects.get(username="director"))]
        if options["json"]:
            self.stdout.write(json.dumps({"logins": created, "targets": targets}))
            return
        self.stdout.write("Demo logins (for the demo only):")
        for login in created:
            self.stdout.write(f"  {login['role']:<17} {login['username']:<12} {login['password']}")
        if targets:
            self.stdout.write(f"Disparity targets owned by the director: {', '.join(targets)}.")
