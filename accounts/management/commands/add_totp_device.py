"""Give a login an authenticator app (TOTP), which every password login needs where
ATTEND_PASSWORD_MFA is on: the first break-glass admin's way in (later ones can be added in the
admin, under "TOTP devices")."""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = "Add a confirmed TOTP authenticator to a login and print its otpauth:// address (enter it in the app)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="Authenticator app", help="What the device is called in the admin.")
        parser.add_argument("--json", action="store_true", help="Print a JSON summary on the last line.")

    def handle(self, *args: object, **options: object) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No login called {options['username']!r}.")
        if not user.has_usable_password():
            raise CommandError(f"{user.username!r} signs in through single sign-on; it has no password to protect.")
        device = TOTPDevice.objects.create(user=user, name=str(options["name"]), confirmed=True)
        if options["json"]:
            self.stdout.write(json.dumps({"username": user.username, "device": device.pk, "url": device.config_url}))
            return
        self.stdout.write(
            f"Added {device.name!r} for {user.username}. Enter this address in the authenticator app "
            f"(or scan it from the admin's TOTP devices page), then keep it secret:\n{device.config_url}"
        )
