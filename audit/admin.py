from django.contrib import admin

from audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Readable by admins, editable by nobody."""

    list_display = ("at", "actor_label", "action", "target_type", "target_id", "summary", "ip_address")
    list_filter = ("action", "target_type")
    search_fields = ("actor_label", "target_id", "summary")
    date_hierarchy = "at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
