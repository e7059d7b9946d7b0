"""The collaborative hub's tables: member trusts, the aggregate files they sent, and their figures.

Nothing here is about a patient. A figure is a count over a month, an IMD quintile or decile and
at most one further dimension, exactly as a trust's aggregate file carries it
(docs/aggregates/attend-aggregates-v1.schema.json); the hub has no patient, appointment or
person table and no relation to one (tests/hub/test_no_patient_data.py).
"""

from __future__ import annotations

from django.db import models


class MemberTrust(models.Model):
    """A trust in the collaborative. Only members' files are loaded."""

    ods_code = models.CharField("ODS code", max_length=5, unique=True, help_text="The trust's ODS organisation code.")
    name = models.CharField(max_length=200)
    mesh_mailbox = models.CharField(
        "MESH mailbox",
        max_length=20,
        blank=True,
        help_text="The trust's MESH mailbox id: a file from any other mailbox naming this trust is refused.",
    )
    joined_on = models.DateField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"


class FileStatus(models.TextChoices):
    ACCEPTED = "accepted", "Accepted: its figures are the trust's for its period"
    REPLACED = "replaced", "Replaced by a later file for the same period"
    REFUSED = "refused", "Refused: nothing loaded"
    DUPLICATE = "duplicate", "Already loaded: the same file again, nothing changed"


class ReceivedFileQuerySet(models.QuerySet):
    def current(self) -> ReceivedFileQuerySet:
        """The files whose figures the hub shows: one per trust and period."""
        return self.filter(status=FileStatus.ACCEPTED)


class ReceivedFile(models.Model):
    """One aggregate file as it arrived, loaded or refused (with the reason). Status changes go through
    hub.services.received_file_transition only."""

    trust = models.ForeignKey(MemberTrust, null=True, blank=True, on_delete=models.PROTECT, related_name="files")
    ods_code = models.CharField("ODS code in the file", max_length=20, blank=True)
    sender = models.CharField(
        max_length=200, help_text="Who or what delivered it: a MESH mailbox, an upload, a command."
    )
    sha256 = models.CharField(
        "SHA-256", max_length=64, help_text="Of the file's canonical JSON without its sha256 field."
    )
    period_from = models.DateField(null=True, blank=True)
    period_to = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    attend_version = models.CharField(max_length=50, blank=True)
    imd_vintage = models.CharField(max_length=10, blank=True)
    generated_at = models.CharField(max_length=40, blank=True)
    disclosure_threshold = models.PositiveIntegerField(null=True, blank=True)
    suppressed_cells = models.PositiveIntegerField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, choices=FileStatus.choices)
    reason = models.TextField(blank=True, help_text="Why it was refused, in words.")
    replaced_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = ReceivedFileQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # A trust has one current file per period (hub.services keeps periods from overlapping).
            models.UniqueConstraint(
                fields=["trust", "period_from", "period_to"],
                condition=models.Q(status="accepted"),
                name="hub_one_current_file_per_trust_period",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ods_code or '?'} {self.period_from}–{self.period_to} ({self.status})"


class TrustFigure(models.Model):
    """One row of one count table of a current file: a month, an IMD quintile or decile, at most one
    further dimension, and the counts (null when the trust suppressed them)."""

    file = models.ForeignKey(ReceivedFile, on_delete=models.CASCADE, related_name="figures")
    trust = models.ForeignKey(MemberTrust, on_delete=models.PROTECT, related_name="figures")
    table = models.CharField(max_length=60, help_text="The table's dimensions, comma-separated (month,imd_quintile,…).")
    month = models.DateField(help_text="The first day of the month counted.")
    imd_quintile = models.PositiveSmallIntegerField(null=True, blank=True)
    imd_decile = models.PositiveSmallIntegerField(null=True, blank=True)
    specialty = models.CharField(max_length=3, blank=True, help_text="Treatment function code.")
    site = models.CharField(max_length=20, blank=True)
    age_band = models.CharField(max_length=10, blank=True)
    sex = models.CharField(max_length=1, blank=True)
    ethnic_group = models.CharField(max_length=20, blank=True)
    pilot = models.CharField(max_length=200, blank=True)
    arm = models.CharField(max_length=20, blank=True)
    happened = models.PositiveIntegerField(null=True, blank=True, help_text="Attended + DNA; null if suppressed.")
    dnas = models.PositiveIntegerField(null=True, blank=True)
    cancelled = models.PositiveIntegerField(null=True, blank=True)
    suppressed = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["table", "trust", "month"])]

    def __str__(self) -> str:
        return f"{self.trust_id} {self.table} {self.month:%Y-%m}"
