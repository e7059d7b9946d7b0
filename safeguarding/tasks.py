"""The safeguarding list's background job. Idempotent: running it twice lists nothing more."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="safeguarding.list_safeguarding_dnas")
def list_safeguarding_dnas_task() -> int:
    """List every child's DNA in a safeguarding specialty not listed yet: nightly (beat), and
    after an uploaded extract, which may bring appointments whose outcome was already recorded."""
    from safeguarding.services import safeguarding_list_dnas

    return safeguarding_list_dnas()
