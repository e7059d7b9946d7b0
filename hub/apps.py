from django.apps import AppConfig


class HubConfig(AppConfig):
    name = "hub"
    verbose_name = "Collaborative hub: member trusts' aggregate figures, compared"
