"""A letter reminder: one per appointment and start time, planned for a posting day, sent
through NHS Notify or printed by the post room. Its status moves only through
letters.transitions."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from appointments.models import Appointment


class LetterStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    SENDING = "sending", "Sending to Notify"
    SENT = "sent", "Sent to Notify"
    QUEUED = "queued", "In the day's print batch"
    PRINTED = "printed", "Printed by the post room"
    DELIVERED = "delivered", "Posted (Notify's printer has handed it to Royal Mail)"
    RETURNED = "returned", "Returned undelivered"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class LetterVariant(models.TextChoices):
    STANDARD = "standard", "Standard print"
    LARGE_PRINT = "large_print", "Large print"
    EASY_READ = "easy_read", "Easy read"


class LetterQuerySet(models.QuerySet):
    def due(self, day) -> LetterQuerySet:
        """Planned letters whose posting day has come."""
        return self.filter(status=LetterStatus.PLANNED, due_on__lte=day)

    def in_print_batch(self, day) -> LetterQuerySet:
        """The post room's batch for `day`: waiting to be printed, or printed that day."""
        return self.filter(batch_on=day, status__in=(LetterStatus.QUEUED, LetterStatus.PRINTED))


class Letter(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="letters")
    appointment_starts_at = models.DateTimeField(help_text="The start the letter gives; a move plans a new letter.")
    due_on = models.DateField(help_text="The working day it is posted (or sent to Notify).")
    variant = models.CharField(max_length=16, choices=LetterVariant.choices, default=LetterVariant.STANDARD)
    language = models.CharField(max_length=8, default="en")
    why_letter = models.CharField(max_length=100, help_text="Why the patient could not be texted, when planned.")
    status = models.CharField(max_length=16, choices=LetterStatus.choices, default=LetterStatus.PLANNED)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    skip_reason = models.CharField(max_length=200, blank=True)
    backend = models.CharField(max_length=16, blank=True, help_text="notify or print, once it has gone.")
    address = models.TextField(
        blank=True, help_text="The lines it was addressed to, as sent, one a line (blanked past the retention period)."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    handed_at = models.DateTimeField(
        null=True, blank=True, help_text="A send to Notify was started: a later attempt asks Notify first."
    )
    last_error = models.CharField(max_length=300, blank=True)
    provider_id = models.CharField("Notify id", max_length=64, blank=True)
    provider_status = models.CharField("Notify status", max_length=32, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    batch_on = models.DateField(null=True, blank=True, help_text="The post room's batch it is printed in.")
    printed_at = models.DateTimeField(null=True, blank=True)
    printed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="letters_printed"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LetterQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "appointment_starts_at"], name="one_letter_per_start")
        ]
        indexes = [models.Index(fields=["status", "due_on"])]
        permissions = [("print_letters", "Can print the day's letters and mark them printed")]

    def __str__(self) -> str:
        return f"Letter {self.pk} for appointment {self.appointment_id} ({self.get_status_display()})"


class ChannelPlan(models.Model):
    """Per upcoming appointment, which reminder channels the nightly plan could use and why each
    other one was not: blank means the channel is used. Written by letters.planning (which sees
    both the text and the letter rule), read by the pilot's reach panel and the call card. Calls
    keep their own reasons (the list builder's counts, "do not call")."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="channel_plan")
    why_no_text = models.CharField(max_length=100, blank=True, help_text="Why no text reminder goes (blank: texted).")
    why_no_letter = models.CharField(max_length=100, blank=True, help_text="Why no letter goes (blank: a letter).")
    planned_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Channels for appointment {self.appointment_id}"
