from django.db import models

from appointments.models import Appointment
from patients.models import Patient


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
    sends it twice. Transitions are guarded in `reminders.transitions`, and nowhere else.
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

    # Issue 6: sending through the outbox sweep.
    appointment_starts_at = models.DateTimeField(
        null=True, blank=True, help_text="The appointment's start when this reminder was planned (to notice moves)."
    )
    retry_at = models.DateTimeField(
        null=True, blank=True, help_text="After a transient provider error, not sent again before this time."
    )
    claim_token = models.CharField(max_length=32, blank=True, help_text="Which sweep claimed it for sending.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True, help_text="Language of the template used.")
    segments = models.PositiveSmallIntegerField(null=True, blank=True)
    error_message = models.CharField(max_length=300, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    # Issue 22: a crash mid-send leaves at most the one message in flight in doubt.
    handed_at = models.DateTimeField(
        null=True, blank=True,
        help_text="When it was last handed to an external provider, written before the call: if no message id "
        "was recorded after it, the provider is asked whether it has the message before it is sent again.",
    )  # fmt: skip
    delivery_uncertain = models.BooleanField(
        default=False,
        help_text="It was handed to the provider but Attend could not learn whether the provider has it; "
        "check the provider's console and clear this (admin action) once known.",
    )

    class Meta:
        db_table = "outreach_reminder"
        indexes = [
            models.Index(fields=["status", "due_at"], name="reminder_due"),
            models.Index(fields=["id"], condition=models.Q(delivery_uncertain=True), name="reminder_uncertain"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["appointment", "rule"], name="one_reminder_per_appointment_rule")
        ]

    def __str__(self) -> str:
        return f"{self.rule} reminder for {self.appointment_id} ({self.status})"


class MessageTemplate(models.Model):
    """The reminder text in one language. Placeholders: {first_name} {date} {time} {clinic}
    {site} {reply_options}. The default texts leave out the clinic name: it can reveal
    clinical detail to whoever reads the patient's phone, so a trust opts in to it."""

    language = models.CharField(max_length=8, unique=True, help_text="ISO 639-1 code, e.g. en, cy, pl.")
    name = models.CharField(max_length=100, help_text="The language's name, for the admin.")
    body = models.TextField()
    carer_body = models.TextField(
        blank=True,
        help_text="The text a child's parent or carer gets (the body's placeholders, and {carer_name}); "
        "blank: the built-in text.",
    )
    reply_options = models.CharField(
        max_length=300, help_text="The numbered replies, in this language (1 attend, 2 call me, 3 cancel/rebook)."
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "outreach_messagetemplate"
        ordering = ["language"]

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class OutboxMessage(models.Model):
    """Every message the database backend would have sent: the demo's and the tests' phone.

    At most one per reminder, enforced by the database, so a duplicate send is an error
    rather than a second text."""

    reminder = models.OneToOneField(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox_message"
    )
    to_number = models.CharField(max_length=16)
    body = models.TextField()
    encoding = models.CharField(max_length=5, help_text="GSM-7 or UCS-2.")
    segments = models.PositiveSmallIntegerField()
    provider_message_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outreach_outboxmessage"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"to {self.to_number} at {self.created_at:%Y-%m-%d %H:%M}"


class EarlyReceipt(models.Model):
    """A delivery receipt for a message id Attend has not recorded yet.

    Twilio can call back before the sweep has written the id it was given (the HTTP
    answer and the callback race). The receipt waits here and is applied when the id is
    recorded; one for an id Attend never records (another application on the account, or
    a send whose worker died) is purged after ATTEND_SMS_EARLY_RECEIPT_DAYS."""

    provider_message_id = models.CharField(max_length=64, db_index=True)
    provider_status = models.CharField(max_length=20)
    error_code = models.CharField(max_length=20, blank=True)
    received_at = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "outreach_earlyreceipt"
        ordering = ["received_at", "pk"]

    def __str__(self) -> str:
        return f"{self.provider_status} for {self.provider_message_id}"


class InboundAction(models.TextChoices):
    OPT_OUT = "opt_out", "Opted out (STOP)"
    OPT_IN = "opt_in", "Opted back in (START)"
    WILL_ATTEND = "will_attend", "1: will attend"
    CALL_ME = "call_me", "2: please call me / need help to attend"
    CANCEL_OR_REBOOK = "cancel_rebook", "3: cancel or rebook"
    HELP = "help", "Asked for help (HELP)"
    FOR_TEAM_LEAD = "for_team_lead", "Kept for a team lead to read"


class InboundMessage(models.Model):
    """A text a patient sent us, what Attend did with it, and whether a team lead has read it."""

    provider_message_id = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=32, help_text="As the carrier sent it.")
    from_e164 = models.CharField(max_length=16, blank=True, db_index=True)
    to_number = models.CharField(max_length=32, blank=True)
    body = models.TextField(blank=True)
    patient = models.ForeignKey(Patient, null=True, blank=True, on_delete=models.SET_NULL, related_name="sms_replies")
    reminder = models.ForeignKey(
        Reminder, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies",
        help_text="The reminder last sent to this number, which the patient is answering.",
    )  # fmt: skip
    action = models.CharField(max_length=14, choices=InboundAction.choices)
    outcome = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "outreach_inboundmessage"
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["action", "read_at"], name="inbound_unread")]

    def __str__(self) -> str:
        return f"from {self.from_e164 or self.from_number}: {self.action}"
