"""Admin for SMS: templates (with their segment count before saving), the outbox,
reminders, delivery receipts still waiting for their message id, and the replies patients sent."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from config.admin import ReadOnlyAdmin
from reminders.messages import PLACEHOLDERS, render, sample_values, unknown_placeholders
from reminders.models import EarlyReceipt, InboundMessage, MessageTemplate, OutboxMessage, Reminder
from reminders.segments import count_segments, non_gsm7_characters

PREVIEW_BUTTON = "_segments"


def segment_summary(template: MessageTemplate) -> str:
    """The segment count of the template filled with realistic values, and what forces UCS-2."""
    text = render(template.body, sample_values(template))
    count = count_segments(text)
    wide = non_gsm7_characters(text)
    because = f"; UCS-2 because of {' '.join(wide)}" if wide else ""
    return f"{count}{because}"


def _known_placeholders_only(body: str) -> str:
    unknown = unknown_placeholders(body)
    if unknown:
        raise forms.ValidationError(f"Unknown placeholder(s): {', '.join('{' + u + '}' for u in unknown)}")
    return body


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["language", "name", "body", "carer_body", "reply_options", "is_active"]
        help_texts = {"body": "Placeholders: " + " ".join(f"{{{name}}}" for name in PLACEHOLDERS)}

    def clean_body(self) -> str:
        return _known_placeholders_only(self.cleaned_data["body"])

    def clean_carer_body(self) -> str:
        return _known_placeholders_only(self.cleaned_data["carer_body"])

    def clean(self):
        cleaned = super().clean()
        if PREVIEW_BUTTON in self.data and not self.errors:
            draft = MessageTemplate(
                language=cleaned.get("language", ""),
                body=cleaned.get("body", ""),
                reply_options=cleaned.get("reply_options", ""),
            )
            # Shown in place of saving: the admin sees the cost, then saves (or edits).
            raise forms.ValidationError(f"Not saved yet. With sample values this is {segment_summary(draft)}.")
        return cleaned


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["language", "name", "is_active", "segments", "updated_at"]
    readonly_fields = ["segments"]
    change_form_template = "admin/reminders/messagetemplate/change_form.html"

    @admin.display(description="Segments (with sample values)")
    def segments(self, obj: MessageTemplate) -> str:
        return segment_summary(obj) if obj.pk else "—"

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        messages.info(request, f"{obj}: {segment_summary(obj)}.")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "to_number", "segments", "encoding", "reminder"]
    search_fields = ["to_number", "provider_message_id"]
    list_select_related = ["reminder"]


@admin.register(EarlyReceipt)
class EarlyReceiptAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "provider_message_id", "provider_status", "error_code"]
    search_fields = ["provider_message_id"]


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["appointment", "rule", "due_at", "status", "skip_reason", "sent_at", "error_code",
                    "delivery_uncertain"]  # fmt: skip
    list_filter = ["status", "delivery_uncertain", "rule"]
    search_fields = ["appointment__pas_id", "provider_message_id", "to_number"]
    raw_id_fields = ["appointment"]
    actions = ["mark_delivery_checked"]

    def changelist_view(self, request, extra_context=None):
        uncertain = Reminder.objects.filter(delivery_uncertain=True).count() if request.method == "GET" else 0
        if uncertain:
            messages.warning(
                request,
                f"{uncertain} reminder(s) were handed to the SMS provider when a worker stopped, and the provider "
                "could not say whether it has them. Filter by 'delivery uncertain', check each in the provider's "
                "console, then mark it checked.",
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Mark uncertain delivery as checked at the provider")
    def mark_delivery_checked(self, request, queryset) -> None:
        updated = queryset.filter(delivery_uncertain=True).update(delivery_uncertain=False)
        messages.info(request, f"{updated} reminder(s) marked as checked.")


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "from_e164", "action", "body", "patient", "outcome", "read_at"]
    list_filter = ["action", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["from_e164", "body"]
    raw_id_fields = ["patient", "reminder"]
    readonly_fields = [f.name for f in InboundMessage._meta.fields if f.name != "read_at"]
    actions = ["mark_read"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Mark as read")
    def mark_read(self, request, queryset) -> None:
        updated = queryset.filter(read_at__isnull=True).update(read_at=timezone.now())
        messages.info(request, f"{updated} repl{'y' if updated == 1 else 'ies'} marked as read.")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("patient")
