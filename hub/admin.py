from django.contrib import admin

from hub.models import MemberTrust, ReceivedFile


@admin.register(MemberTrust)
class MemberTrustAdmin(admin.ModelAdmin):
    list_display = ("name", "ods_code", "mesh_mailbox", "joined_on")
    search_fields = ("name", "ods_code")


@admin.register(ReceivedFile)
class ReceivedFileAdmin(admin.ModelAdmin):
    """Read-only: files arrive through hub.services, which keeps their figures and statuses consistent."""

    list_display = ("received_at", "ods_code", "period_from", "period_to", "status", "sender")
    list_filter = ("status", "trust")
    readonly_fields = [f.name for f in ReceivedFile._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
