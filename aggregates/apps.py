from django.apps import AppConfig


class AggregatesConfig(AppConfig):
    name = "aggregates"
    verbose_name = "Aggregates: disclosure-controlled count tables for a collaborative hub, sent over MESH"
