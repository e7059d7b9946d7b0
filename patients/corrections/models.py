"""Corrections staff recorded in Attend, and the PAS values that disagree with them.

A LocalCorrection is one value a person put right (on a call card), with when and by
whom, and what Attend held before (usually the PAS's value). The latest correction of
a field is the one in force: the importer keeps it over an older or blank PAS value,
and a newer, different PAS value becomes a CorrectionConflict for a team lead to settle
rather than an overwrite. The rows are also what the trust writes back to its PAS.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from patients.models import Patient


class CorrectableField(models.TextChoices):
    MOBILE = "mobile", "Mobile"
    OTHER_PHONE = "other_phone", "Other number"
    ETHNIC_CATEGORY = "ethnic_category", "Ethnic category"
    PREFERRED_LANGUAGE = "preferred_language", "Preferred language"
    INTERPRETER_REQUIRED = "interpreter_required", "Interpreter required"
    COMMUNICATION_NEEDS = "communication_needs", "Accessible-information needs"
    PREFERRED_CHANNEL = "preferred_channel", "Preferred channel"


class LocalCorrection(models.Model):
    """One value recorded in Attend for a patient, with its source and date."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="local_corrections")
    field = models.CharField(max_length=24, choices=CorrectableField.choices)
    value = models.CharField(max_length=200, blank=True, help_text="As the extract writes it (Y/N for yes/no).")
    previous_value = models.CharField(max_length=200, blank=True, help_text="What Attend held before.")
    source = models.CharField(
        max_length=16, default="call", help_text="Where it was recorded (call: a call card; team_lead: by a team lead)."
    )
    corrected_at = models.DateTimeField(db_index=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-corrected_at", "-id"]
        indexes = [models.Index(fields=["patient", "field", "corrected_at"])]

    def __str__(self) -> str:
        return f"{self.get_field_display()} → {self.value or '(blank)'} ({self.corrected_at:%Y-%m-%d})"


class CorrectionConflict(models.Model):
    """A PAS value newer than a correction and different from it: Attend kept its own value."""

    correction = models.ForeignKey(LocalCorrection, on_delete=models.CASCADE, related_name="conflicts")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="correction_conflicts")
    field = models.CharField(max_length=24, choices=CorrectableField.choices)
    attend_value = models.CharField(max_length=200, blank=True)
    pas_value = models.CharField("PAS value", max_length=200)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["correction", "pas_value"], name="one_conflict_per_correction_and_value")
        ]

    def __str__(self) -> str:
        return f"{self.get_field_display()}: Attend {self.attend_value or '(blank)'}, PAS {self.pas_value}"
