"""Writing to the audit trail. Every view of a patient record, every export and every
change to patient data goes through `audit_record`."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest

from audit.models import AuditAction, AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from. Behind the TLS proxy, Django's REMOTE_ADDR is the
    proxy; the proxy's X-Forwarded-For is trusted only when settings say a proxy is in front."""
    if request is None:
        return None
    from django.conf import settings

    if settings.ATTEND_BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: AuditAction | str,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str = "",
    actor: Any = None,
    actor_label: str = "",
    request: HttpRequest | None = None,
    summary: str = "",
    changes: dict[str, list[Any]] | None = None,
) -> AuditEvent:
    """Append one event. `actor` defaults to the request's user; system jobs pass `actor_label`."""
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    if target is not None:
        target_type, target_id = target._meta.label_lower, str(target.pk)
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_label=actor_label or (actor.get_username() if actor is not None else "system"),
        target_type=target_type,
        target_id=target_id,
        summary=summary[:255],
        changes=changes or {},
        ip_address=client_ip(request),
    )


def field_changes(instance: models.Model, new_values: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields in `new_values` whose value differs, as strings."""
    diff = {}
    for field, after in new_values.items():
        before = getattr(instance, field)
        if before != after:
            diff[field] = [None if before is None else str(before), None if after is None else str(after)]
    return diff


def audit_patient_view(request: HttpRequest, patient: models.Model, *, summary: str = "") -> AuditEvent:
    """Record that the signed-in person looked at `patient` (call it in every view, API
    endpoint or page that shows a patient's identifiable details). The summary defaults to
    the page's path, so the trail says where they saw it."""
    return audit_record(action=AuditAction.VIEW, target=patient, request=request, summary=summary or request.path)


def audit_export(request: HttpRequest | None, *, what: str, rows: int, actor: Any = None) -> AuditEvent:
    """Record an export (a download or a report leaving Attend) of `rows` rows of `what`."""
    return audit_record(
        action=AuditAction.EXPORT,
        target_type=what,
        request=request,
        actor=actor,
        summary=f"Exported {rows} rows of {what}",
    )
