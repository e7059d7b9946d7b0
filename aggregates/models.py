"""What Attend exported, and each time it sent an export over MESH."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AggregateFile(models.Model):
    """One aggregate export, kept as the bytes that were written: what is sent or downloaded later
    is exactly what was checked and hashed (it is never rebuilt)."""

    period_from = models.DateField()
    period_to = models.DateField()
    content = models.BinaryField(help_text="The file: canonical JSON, UTF-8.")
    sha256 = models.CharField("SHA-256", max_length=64, help_text="As the schema defines it (without this field).")
    tables_sha256 = models.CharField(
        max_length=64, help_text="SHA-256 of the tables and disclosure alone: the same figures again reuse the file."
    )
    suppressed_cells = models.PositiveIntegerField()
    generated_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_label = models.CharField(max_length=150, help_text="Who or what made it (a login, or the nightly job).")

    class Meta:
        ordering = ["-generated_at", "-id"]
        indexes = [models.Index(fields=["period_from", "period_to", "tables_sha256"], name="aggregate_file_same")]

    def __str__(self) -> str:
        return f"Aggregates {self.period_from:%Y-%m} to {self.period_to:%Y-%m} ({self.generated_at:%Y-%m-%d %H:%M})"

    @property
    def file_name(self) -> str:
        return f"attend-aggregates-{self.period_from:%Y-%m}-to-{self.period_to:%Y-%m}-{self.sha256[:12]}.json"


class MeshSendStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent: in the recipient's MESH inbox"
    FAILED = "failed", "Failed: will be tried again"
    REJECTED = "rejected", "Refused by MESH: not tried again"
    ACKNOWLEDGED = "acknowledged", "Acknowledged by the recipient"


class MeshSend(models.Model):
    """One file to one MESH mailbox: at most one message, however often the send is tried.

    Status changes only through aggregates.delivery's transition table. `local_id` goes with the
    message (MESH's Mex-LocalID), so the message can be found by it if a send's outcome is unknown.
    """

    file = models.ForeignKey(AggregateFile, on_delete=models.PROTECT, related_name="mesh_sends")
    recipient = models.CharField("recipient mailbox", max_length=20)
    workflow_id = models.CharField(max_length=64)
    local_id = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=12, choices=MeshSendStatus.choices, default=MeshSendStatus.PENDING)
    message_id = models.CharField("MESH message id", max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    mesh_status = models.CharField(max_length=32, blank=True, help_text="The status MESH's tracking last gave.")
    tracked_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["file", "recipient"], name="one_mesh_send_per_file_and_recipient"),
            models.UniqueConstraint(
                fields=["message_id"], condition=~models.Q(message_id=""), name="mesh_message_id_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file} to {self.recipient}: {self.get_status_display()}"
