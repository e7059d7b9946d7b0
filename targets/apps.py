from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "targets"
    verbose_name = "Targets: disparity targets where they are set, and the monthly board pack"

    def ready(self) -> None:
        from reports.disclosure import register_specialty_grouping
        from reports.views import register_dashboard_panel
        from targets.progress import division_groupings
        from targets.views import dashboard_targets_panel

        # The dashboard (reports, below this app) shows the viewer's targets first, through a panel
        # this app registers with it: reports never imports targets.
        register_dashboard_panel(dashboard_targets_panel)
        # A division's months are decided with every page they add up with (reports.disclosure.Family).
        register_specialty_grouping(division_groupings)
