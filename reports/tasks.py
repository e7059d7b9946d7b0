"""Background jobs for the reports."""

from celery import shared_task

from reports.rollup import rollup_refresh


@shared_task(name="reports.rebuild_rollup")
def rebuild_report_rollup() -> int:
    """Bring the reports' rollup up to date after an import, and nightly: only the days touched since
    the last build are recomputed (reports/rollup.py). Idempotent: a second run finds nothing to do."""
    return rollup_refresh().rows
