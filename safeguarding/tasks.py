"""The safeguarding list's background job. Idempotent: running it twice lists nothing more."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

logger = logging.getLogger(__name__)


@shared_task(name="safeguarding.list_safeguarding_dnas")
def list_safeguarding_dnas_task() -> int:
    """List every child's DNA in a safeguarding specialty not listed yet: nightly (beat), and
    after an uploaded extract, which may bring appointments whose outcome was already recorded."""
    from safeguarding.models import SafeguardingEntry
    from safeguarding.services import safeguarding_list_dnas

    listed = safeguarding_list_dnas()
    overdue = SafeguardingEntry.objects.overdue().count()
    if overdue:  # a count only: no patient details in logs
        logger.warning(
            "%d safeguarding entries have waited more than %d days for review",
            overdue, settings.ATTEND_SAFEGUARDING_ESCALATE_AFTER_DAYS,
        )  # fmt: skip
    return listed
