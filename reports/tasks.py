"""Background jobs for the reports."""

from celery import shared_task

from reports.rollup import rollup_rebuild


@shared_task(name="reports.rebuild_rollup")
def rebuild_report_rollup() -> int:
    """Rebuild the reports' rollup after the nightly import. Idempotent: it replaces, never adds."""
    return rollup_rebuild().rows
