from django.db import models

from appointments.models import Appointment


class ReminderStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    UNDELIVERED = "undelivered", "Undelivered"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Reminder(models.Model):
    """One SMS reminder for one appointment under one rule, sent when due by a beat sweep.

    The row is the outbox: it records that a message went, so a re-delivered task never
    sends it twice. Transitions are guarded in outreach's reminder services.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="reminders")
    rule = models.CharField(max_length=32, help_text="Which reminder rule planned it, e.g. '7d', '2d', '1d-high-risk'.")
    due_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.PLANNED)
    skip_reason = models.CharField(max_length=200, blank=True)
    to_number = models.CharField(max_length=16, blank=True)
    body = models.TextField(blank=True)
    provider = models.CharField(max_length=20, blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True, db_index=True)
    send_attempts = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=20, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"], name="reminder_due")]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "rule"], name="one_reminder_per_appointment_rule")
        ]

    def __str__(self) -> str:
        return f"{self.rule} reminder for {self.appointment_id} ({self.status})"
