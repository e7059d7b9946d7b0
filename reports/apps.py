from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports: DNA rates by deprivation, the gap, pilots and targets"

    def ready(self) -> None:
        from appointments.changes import on_extract_imported
        from reports.tasks import rebuild_report_rollup

        # An uploaded extract that changed appointments rebuilds the rollup, so a director
        # does not see yesterday's figures until the night's rebuild.
        on_extract_imported(rebuild_report_rollup.delay)
