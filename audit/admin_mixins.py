"""Auditing the admin pages that show patient data.

Admins can open patient records in the Django admin too, and those views, searches,
changes and deletions belong in the audit trail as much as the call pages' do. Put the
mixin first in the bases of any ModelAdmin over patient-identifiable data:

    class PatientAdmin(PatientDataAuditMixin, admin.ModelAdmin): ...
"""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import unquote
from django.http import HttpRequest, HttpResponse

from audit.models import AuditAction
from audit.services import audit_record


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


class PatientDataAuditMixin:
    model: Any

    def changelist_view(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        response = super().changelist_view(request, extra_context)  # type: ignore[misc]
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                action=AuditAction.VIEW,
                target_type=self.model._meta.label_lower,
                request=request,
                summary=f"List in the admin: {request.get_full_path()}",
            )
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict | None = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        if request.method == "GET" and response.status_code == 200:
            audit_record(
                action=AuditAction.VIEW,
                target_type=self.model._meta.label_lower,
                target_id=unquote(object_id),
                request=request,
                summary="Opened in the admin",
            )
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        changes = {
            name: [_as_text(form.initial.get(name)), _as_text(form.cleaned_data.get(name))]
            for name in form.changed_data
        }
        super().save_model(request, obj, form, change)  # type: ignore[misc]
        action = AuditAction.CHANGE if change else AuditAction.CREATE
        audit_record(action=action, target=obj, request=request, summary="Saved in the admin", changes=changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        audit_record(action=AuditAction.DELETE, target=obj, request=request, summary="Deleted in the admin")
        super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            audit_record(action=AuditAction.DELETE, target=obj, request=request, summary="Deleted in the admin")
        super().delete_queryset(request, queryset)  # type: ignore[misc]
