"""Delivery receipts: the provider telling us what became of a message we sent.

Receipts, from Twilio or GOV.UK Notify, arrive late, twice, or out of order (Twilio's
"sent" can follow its "delivered"). Each one is applied through the status machine, which
only ever moves a reminder forwards, so the last word is always the furthest status reached.
A receipt can even arrive before the sweep has recorded the message id the provider gave it:
it is kept as an EarlyReceipt and applied when the id is recorded.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from reminders.backends import NOTIFY_FAILURES, NOTIFY_UNUSABLE, TWILIO_OPTED_OUT, TWILIO_UNUSABLE
from reminders.models import EarlyReceipt, Reminder, ReminderStatus
from reminders.optouts import patients_mark_number_unusable, patients_opt_out
from reminders.transitions import PROVIDER_STATUSES, reminder_transition

S = ReminderStatus
FINAL_RECEIPTS = (S.DELIVERED, S.UNDELIVERED, S.FAILED)


def delivery_receipt_record(*, provider_message_id: str, provider_status: str, error_code: str = "") -> None:
    """Apply one receipt. One for an id not recorded (yet) is kept, to be applied when it is."""
    if not provider_message_id:
        return
    provider_status = (provider_status or "").lower()
    if not error_code and provider_status in NOTIFY_FAILURES:
        error_code = provider_status  # Notify gives no error code: its failure status is the reason
    target = PROVIDER_STATUSES.get(provider_status)
    if target not in FINAL_RECEIPTS:
        return  # "queued", "sent" and the like move nothing
    reminder = Reminder.objects.filter(provider_message_id=provider_message_id).only("pk", "to_number").first()
    now = timezone.now()
    if reminder is not None:
        _apply(reminder, target, error_code, now)
        return
    EarlyReceipt.objects.create(
        provider_message_id=provider_message_id[:64], provider_status=provider_status.lower()[:20],
        error_code=(error_code or "")[:20], received_at=now,
    )  # fmt: skip
    EarlyReceipt.objects.filter(received_at__lt=now - timedelta(days=settings.ATTEND_SMS_EARLY_RECEIPT_DAYS)).delete()


def early_receipts_apply(provider_message_ids: list[str]) -> None:
    """Apply, in the order they came, the receipts that arrived before these ids were recorded."""
    early = list(EarlyReceipt.objects.filter(provider_message_id__in=[i for i in provider_message_ids if i]))
    if not early:
        return
    recorded = Reminder.objects.filter(provider_message_id__in={e.provider_message_id for e in early})
    reminders = {r.provider_message_id: r for r in recorded.only("pk", "to_number", "provider_message_id")}
    applied = [e for e in early if e.provider_message_id in reminders]
    for receipt in applied:
        target = PROVIDER_STATUSES[receipt.provider_status]
        _apply(reminders[receipt.provider_message_id], target, receipt.error_code, timezone.now())
    EarlyReceipt.objects.filter(pk__in=[e.pk for e in applied]).delete()


def _apply(reminder: Reminder, target: str, error_code: str, now) -> None:
    changes = {"delivered_at": now} if target == S.DELIVERED else {"error_code": (error_code or "")[:20]}
    moved = reminder_transition(reminder_id=reminder.pk, to=target, now=now, **changes)
    if moved and error_code in TWILIO_OPTED_OUT:
        patients_opt_out(e164=reminder.to_number, now=now)
    elif moved and (error_code in TWILIO_UNUSABLE or error_code in NOTIFY_UNUSABLE):
        patients_mark_number_unusable(e164=reminder.to_number)
