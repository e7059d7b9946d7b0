"""Letters in the admin, shown like the SMS reminders: status, why a letter, why skipped or failed,
Notify's id and status, the print batch; a returned letter is recorded here (audited)."""

from __future__ import annotations

from django.contrib import admin, messages

from audit.models import AuditAction
from audit.services import audit_record
from config.admin import ReadOnlyAdmin
from letters.models import Letter, LetterStatus
from letters.transitions import letter_transition


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
        returned = 0
        for letter in queryset.only("pk"):
            if letter_transition(letter_id=letter.pk, to=LetterStatus.RETURNED):
                returned += 1
                audit_record(action=AuditAction.CHANGE, target=letter, request=request, summary="Letter returned")
        messages.info(request, f"{returned} letter(s) marked returned; letters not yet posted were left as they are.")
