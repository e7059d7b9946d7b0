from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Staff, teams and roles"

    def ready(self) -> None:
        from accounts.oidc import validate_oidc_settings
        from accounts.roles import sync_roles_after_migrate

        # A malformed single sign-on role or team map stops start-up, naming the setting.
        validate_oidc_settings()

        # Groups are kept in step with accounts/roles.py after every migrate, the same
        # way Django itself creates permissions.
        post_migrate.connect(sync_roles_after_migrate, sender=self)
