"""Setting, changing and retiring disparity targets: who may, and the audit trail of each change.

Anyone who may see the reports (accounts.view_reports: directors and admins) may set a target;
a director's target is their own. Only its owner, or an admin (accounts.administer_attend), may
change or retire it. Call handlers and team leads set none. The owner must be someone who may see
the reports, since the dashboard is where they follow it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from appointments.models import Site, Specialty
from audit.models import AuditAction
from audit.services import audit_record
from targets.models import DisparityTarget, Division, Scope

VIEW_REPORTS = "accounts.view_reports"
ADMINISTER = "accounts.administer_attend"
PERMISSIONS_BACKEND = "django.contrib.auth.backends.ModelBackend"
CHANGEABLE = ("owner", "baseline_month", "baseline_gap_points", "target_month", "target_gap_points", "note")


def possible_owners() -> QuerySet:
    """The people a target may be given to: exactly those who may see the reports."""
    return (
        get_user_model()
        .objects.with_perm(VIEW_REPORTS, backend=PERMISSIONS_BACKEND)
        .order_by("first_name", "last_name", "username")
    )


def may_set_targets(user: Any) -> bool:
    return user.is_authenticated and user.has_perm(VIEW_REPORTS)


def may_name_any_owner(user: Any) -> bool:
    return user.has_perm(ADMINISTER)


def may_change(user: Any, target: DisparityTarget) -> bool:
    return may_set_targets(user) and (target.owner_id == user.pk or user.has_perm(ADMINISTER))


def _check(target: DisparityTarget) -> None:
    """The model's rules, each with a message a director can act on (the database holds the same as
    constraints, whose own messages name only the constraint)."""
    if not possible_owners().filter(pk=target.owner_id).exists():
        raise ValidationError({"owner": "The owner must be someone who may see the reports (a director or admin)."})
    if target.target_month <= target.baseline_month:
        raise ValidationError({"target_month": "The target month must come after the baseline month."})
    for name in ("baseline_gap_points", "target_gap_points"):
        if not -100 <= getattr(target, name) <= 100:
            raise ValidationError({name: "A gap is between −100 and 100 percentage points."})
    target.full_clean(validate_constraints=False)  # one active target each: checked, with its message, before


@transaction.atomic
def target_create(
    *,
    scope: str,
    subject: Any,
    owner: Any,
    baseline_month: date,
    baseline_gap_points: Decimal,
    target_month: date,
    target_gap_points: Decimal,
    note: str = "",
    set_by: Any,
) -> DisparityTarget:
    """A new active target for a division, specialty or site. Refused (PermissionDenied) for someone
    who may not set targets, or a director naming another owner; ValidationError for bad values or a
    division, specialty or site that already has an active target."""
    if not may_set_targets(set_by):
        raise PermissionDenied("Only directors and admins set disparity targets.")
    if owner.pk != set_by.pk and not may_name_any_owner(set_by):
        raise PermissionDenied("A director sets targets they own; an admin may give one to another director.")
    target = DisparityTarget(
        scope=scope,
        division=subject if scope == Scope.DIVISION else None,
        specialty=subject if scope == Scope.SPECIALTY else None,
        site=subject if scope == Scope.SITE else None,
        owner=owner,
        baseline_month=baseline_month.replace(day=1),
        baseline_gap_points=baseline_gap_points,
        target_month=target_month.replace(day=1),
        target_gap_points=target_gap_points,
        note=note,
    )
    existing = DisparityTarget.objects.active().filter(**{scope: subject}).first()
    if existing:
        raise ValidationError(
            f"{existing.name} already has a target, owned by {_person(existing.owner)}: change that one instead."
        )
    _check(target)
    try:
        with transaction.atomic():
            target.save()
    except IntegrityError as exc:  # another director set one at the same moment
        raise ValidationError(f"{target.name} already has a target: change that one instead.") from exc
    audit_record(
        action=AuditAction.CREATE,
        target=target,
        actor=set_by,
        summary=f"Set a disparity target for {target.name}: {target.baseline_gap_points} points in "
        f"{target.baseline_month:%B %Y} to {target.target_gap_points} points by {target.target_month:%B %Y}, "
        f"owned by {_person(owner)}",
    )
    return target


@transaction.atomic
def target_update(*, target: DisparityTarget, changed_by: Any, **values: Any) -> DisparityTarget:
    """Change a target's owner, trajectory or note (its owner or an admin only); each change audited."""
    target = DisparityTarget.objects.select_for_update().get(pk=target.pk)
    if target.retired_at is not None:
        raise ValidationError("This target has been retired; set a new one instead.")
    if not may_change(changed_by, target):
        raise PermissionDenied("Only the target's owner or an admin may change it.")
    unknown = set(values) - set(CHANGEABLE)
    if unknown:
        raise ValueError(f"Cannot change {', '.join(sorted(unknown))} of a target.")
    if "owner" in values and values["owner"].pk != target.owner_id and not may_name_any_owner(changed_by):
        raise PermissionDenied("Only an admin may give a target to another owner.")
    for month in ("baseline_month", "target_month"):
        if month in values:
            values[month] = values[month].replace(day=1)
    changes = {}
    for name, value in values.items():
        before = getattr(target, name)
        if before != value:
            changes[name] = [_plain(before), _plain(value)]
            setattr(target, name, value)
    if not changes:
        return target
    _check(target)
    target.set_at = timezone.now()
    target.save()
    audit_record(
        action=AuditAction.CHANGE,
        target=target,
        actor=changed_by,
        summary=f"Changed the disparity target for {target.name}",
        changes=changes,
    )
    return target


@transaction.atomic
def target_retire(*, target: DisparityTarget, retired_by: Any) -> DisparityTarget:
    """Retire a target (kept as history; the division, specialty or site may be given a new one)."""
    target = DisparityTarget.objects.select_for_update().get(pk=target.pk)
    if not may_change(retired_by, target):
        raise PermissionDenied("Only the target's owner or an admin may retire it.")
    if target.retired_at is None:
        target.retired_at = timezone.now()
        target.save(update_fields=["retired_at"])
        audit_record(
            action=AuditAction.CHANGE, target=target, actor=retired_by, summary=f"Retired the target for {target.name}"
        )
    return target


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "pk"):
        return _person(value)
    return value


def subject_choices() -> dict[str, QuerySet]:
    """What a target can be for, by scope."""
    return {
        Scope.DIVISION: Division.objects.all(),
        Scope.SPECIALTY: Specialty.objects.all(),
        Scope.SITE: Site.objects.all(),
    }
