"""Changes directors make from the dashboard."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from audit.models import AuditAction
from audit.services import audit_record
from reports.models import DisparityTarget


@transaction.atomic
def disparity_target_set(*, gap_points: Decimal, note: str = "", set_by: Any = None) -> DisparityTarget:
    """Record a new gap target (the previous ones stay, as history) and audit who set it."""
    target = DisparityTarget.objects.create(gap_points=gap_points, note=note, set_by=set_by)
    audit_record(
        action=AuditAction.CREATE,
        target=target,
        actor=set_by,
        summary=f"Set the DNA rate gap target to {gap_points} percentage points",
    )
    return target
