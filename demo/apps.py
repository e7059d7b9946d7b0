from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The synthetic trust and demo logins. Installed in local and test settings only (as NHS
    England keeps its `nonprod` app), so production has no command that writes made-up patients."""

    name = "demo"
    verbose_name = "Demo: the synthetic trust"
