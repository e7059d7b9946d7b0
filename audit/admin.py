from django.contrib import admin

from audit.models import AuditEvent
from config.admin import ReadOnlyAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Readable by admins, editable by nobody."""

    list_display = ("at", "actor_label", "action", "target_type", "target_id", "summary", "ip_address")
    list_filter = ("action", "target_type")
    search_fields = ("actor_label", "target_id", "summary")
    date_hierarchy = "at"
