"""The audit trail: who viewed, exported or changed patient data, when, and from where.

Rows are append-only. The model refuses updates and deletes, and the admin is read-only,
so an information governance lead can rely on the trail not having been edited.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditAction(models.TextChoices):
    VIEW = "view", "Viewed"
    EXPORT = "export", "Exported"
    CHANGE = "change", "Changed"
    CREATE = "create", "Created"
    DELETE = "delete", "Deleted"


class AuditEventQuerySet(models.QuerySet):
    def for_target(self, target: models.Model) -> AuditEventQuerySet:
        return self.filter(target_type=target._meta.label_lower, target_id=str(target.pk))

    def update(self, **kwargs):
        raise AuditTrailIsAppendOnly("Audit events cannot be changed.")

    def delete(self):
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or delete an audit event."""


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events"
    )
    actor_label = models.CharField(
        max_length=150, help_text="Username at the time, or the system job that acted (e.g. 'import')."
    )
    action = models.CharField(max_length=10, choices=AuditAction.choices)
    target_type = models.CharField(max_length=100, help_text="app_label.model of what was viewed or changed.")
    target_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=255, blank=True)
    changes = models.JSONField(
        default=dict, blank=True, help_text="For a change: {field: [before, after]}. Never secrets."
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_type}#{self.target_id}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise AuditTrailIsAppendOnly("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditTrailIsAppendOnly("Audit events cannot be deleted.")
