"""Delivery receipts: the provider telling us what became of a message we sent.

Receipts arrive late, twice, or out of order (Twilio's "sent" can follow its
"delivered"). Each one is applied through the status machine, which only ever
moves a reminder forwards, so the last word is always the furthest status reached.
"""

from __future__ import annotations

from django.utils import timezone

from outreach.models import Reminder, ReminderStatus
from outreach.sms.backends import TWILIO_OPTED_OUT, TWILIO_UNUSABLE
from outreach.sms.optouts import patients_mark_number_unusable, patients_opt_out
from outreach.sms.transitions import PROVIDER_STATUSES, reminder_transition

S = ReminderStatus


def delivery_receipt_record(*, provider_message_id: str, provider_status: str, error_code: str = "") -> str | None:
    """Apply one receipt; returns the reminder's status afterwards, or None for an id we never sent."""
    if not provider_message_id:
        return None
    reminder = Reminder.objects.filter(provider_message_id=provider_message_id).only("pk", "to_number").first()
    if reminder is None:
        return None
    target = PROVIDER_STATUSES.get((provider_status or "").lower())
    now = timezone.now()
    if target in (S.DELIVERED, S.UNDELIVERED, S.FAILED):
        changes = {"delivered_at": now} if target == S.DELIVERED else {"error_code": (error_code or "")[:20]}
        moved = reminder_transition(reminder_id=reminder.pk, to=target, now=now, **changes)
        if moved and error_code in TWILIO_OPTED_OUT:
            patients_opt_out(e164=reminder.to_number, now=now)
        elif moved and error_code in TWILIO_UNUSABLE:
            patients_mark_number_unusable(e164=reminder.to_number)
    return Reminder.objects.values_list("status", flat=True).get(pk=reminder.pk)
