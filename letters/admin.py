"""Letters in the admin, shown like the SMS reminders: status, why a letter, why skipped or failed,
Notify's id and status, the print batch; a returned letter is recorded here (audited)."""

from __future__ import annotations

from django.contrib import admin, messages

from config.admin import ReadOnlyAdmin
from letters.models import ChannelPlan, Letter
from letters.returns import letter_returned_record


@admin.register(Letter)
class LetterAdmin(ReadOnlyAdmin):
    list_display = ["appointment", "due_on", "variant", "status", "why_letter", "skip_reason", "last_error",
                    "sent_at", "printed_at", "provider_status"]  # fmt: skip
    list_filter = ["status", "variant", "backend", "due_on"]
    search_fields = ["appointment__pas_id", "appointment__patient__hospital_number", "provider_id"]
    raw_id_fields = ["appointment"]
    actions = ["mark_returned"]

    @admin.action(description="Mark returned undelivered (the post came back)")
    def mark_returned(self, request, queryset) -> None:
        returned = sum(
            letter_returned_record(reference=f"attend-letter-{letter.pk}", source="admin", by=request.user,
                                   request=request) == "returned"
            for letter in queryset.only("pk")
        )  # fmt: skip
        messages.info(
            request,
            f"{returned} letter(s) marked returned, and the address each went to as not working; "
            "letters not yet posted were left as they are.",
        )


@admin.register(ChannelPlan)
class ChannelPlanAdmin(ReadOnlyAdmin):
    """Why the nightly plan sends an appointment no text, or no letter (read-only: the plan writes it)."""

    list_display = ["appointment", "why_no_text", "why_no_letter", "planned_at"]
    list_filter = ["why_no_text", "why_no_letter"]
    search_fields = ["appointment__pas_id", "appointment__patient__hospital_number"]
    raw_id_fields = ["appointment"]
