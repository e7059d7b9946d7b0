"""Read-only admin for the exports and their MESH sends; a refused send can be queued again."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from aggregates import delivery
from aggregates.models import AggregateFile, MeshSend


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AggregateFile)
class AggregateFileAdmin(ReadOnly):
    list_display = ("generated_at", "period_from", "period_to", "suppressed_cells", "sha256", "created_by_label",
                    "download")  # fmt: skip
    exclude = ("content",)

    @admin.display(description="file")
    def download(self, obj: AggregateFile) -> str:
        """The plain download (audited), for a trust that sends its files some other way than MESH."""
        return format_html('<a href="{}">Download</a>', reverse("api-aggregate-file", args=[obj.pk]))


@admin.register(MeshSend)
class MeshSendAdmin(ReadOnly):
    list_display = ("created_at", "file", "recipient", "workflow_id", "status", "attempts", "message_id",
                    "acknowledged_at")  # fmt: skip
    list_filter = ("status",)
    actions = ["send_again"]

    @admin.action(description="Queue refused sends again (after fixing the cause)")
    def send_again(self, request, queryset) -> None:
        queued = sum(delivery.requeue(send.pk, actor=request.user) for send in queryset)
        self.message_user(request, f"{queued} send(s) queued again.", messages.SUCCESS)
