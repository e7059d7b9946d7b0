"""Each import run, and the rows it could not take, as the admin sees them."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Waiting to run"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Imported"
    REFUSED = "refused", "Refused: not an extract, nothing written"
    FAILED = "failed", "Failed part-way"


FINAL_IMPORT_STATUSES = (ImportStatus.SUCCEEDED, ImportStatus.REFUSED, ImportStatus.FAILED)


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV extract"
    FHIR = "fhir", "FHIR R4 Bundle"


class ImportBatch(models.Model):
    """One run of the extract importer: which file, what it did, how long it took."""

    file = models.FileField(upload_to="imports/%Y/%m/", blank=True, help_text="The uploaded file (API uploads).")
    mapping_file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField("file SHA-256", max_length=64, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    format = models.CharField(max_length=4, choices=ImportFormat.choices, blank=True)
    layout = models.CharField(
        max_length=40, blank=True, help_text="The built-in layout (attend, cds-outpatient) or 'mapping: FILE'."
    )
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    message = models.TextField(blank=True, help_text="Why the file was refused or the run failed.")

    rows_read = models.PositiveIntegerField(default=0)
    rows_created = models.PositiveIntegerField(default=0)
    rows_updated = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    rows_rejected = models.PositiveIntegerField(default=0)
    rows_withdrawn = models.PositiveIntegerField(
        default=0, help_text="FHIR entered-in-error Appointments: an earlier import withdrawn, a new one not imported."
    )
    patients_created = models.PositiveIntegerField(default=0)
    patients_updated = models.PositiveIntegerField(default=0)
    unmatched_postcodes = models.PositiveIntegerField(
        default=0, help_text="Distinct postcodes not found in the deprivation tables (IMD left empty)."
    )
    unmatched_postcode_examples = models.JSONField(default=list, blank=True)
    unmatched_lsoas = models.PositiveIntegerField(
        default=0, help_text="Distinct LSOAs given instead of a postcode that the IMD tables do not rank."
    )
    rules_applied = models.JSONField(
        default=list, blank=True, help_text='Each value rule that fired and on how many rows ("SEX 2 → F (female)").'
    )
    new_codes = models.JSONField(
        default=dict, blank=True, help_text="Sites, specialties and clinics this import saw for the first time."
    )
    replanning = models.JSONField(default=dict, blank=True, help_text="Reminders and calls cancelled or re-planned.")
    errors_truncated = models.BooleanField(default=False)

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="import_batches"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()}, {self.created_at:%Y-%m-%d %H:%M})"


class RowProblem(models.TextChoices):
    ERROR = "error", "Row skipped"
    WARNING = "warning", "Row imported, value ignored"


class ImportRowError(models.Model):
    """A row the importer skipped (or a value it ignored), with where and why."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    line = models.PositiveIntegerField(help_text="Line in the file (the header is line 1); entry number for FHIR.")
    column = models.CharField(max_length=64, blank=True)
    value = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=300)
    severity = models.CharField(max_length=7, choices=RowProblem.choices, default=RowProblem.ERROR)

    class Meta:
        ordering = ["batch", "line", "id"]

    def __str__(self) -> str:
        return f"line {self.line} {self.column}: {self.reason}"
