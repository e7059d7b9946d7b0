"""The risk model registry and each upcoming appointment's latest score."""

from django.db import models

from appointments.models import Appointment


class RiskBand(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class RiskModel(models.Model):
    """One trained DNA risk model in the registry. Only an activated model scores.

    The fitted model is stored as data (never a pickle), so loading it cannot run code.
    """

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    algorithm = models.CharField(max_length=100)
    features = models.JSONField(default=list, help_text="Names of the features the model uses, in order.")
    parameters = models.JSONField(default=dict)
    trained_from = models.DateField(null=True, blank=True)
    trained_to = models.DateField(null=True, blank=True)
    holdout_from = models.DateField(null=True, blank=True)
    holdout_to = models.DateField(null=True, blank=True)
    metrics = models.JSONField(default=dict, help_text="Hold-out metrics for the model and the baselines.")
    fairness = models.JSONField(
        default=dict, help_text="Hold-out metrics per IMD quintile, sex, age band, ethnic group."
    )
    artifact = models.BinaryField(help_text="The fitted model as data (JSON/text), never a pickle.")
    artifact_sha256 = models.CharField(max_length=64)
    is_active = models.BooleanField(default=False)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="activated_risk_models"
    )

    class Meta:
        db_table = "appointments_riskmodel"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=models.Q(is_active=True), name="one_active_risk_model"
            )
        ]

    def __str__(self) -> str:
        return f"Risk model v{self.version}{' (active)' if self.is_active else ''}"


class RiskScore(models.Model):
    """The latest DNA risk prediction for an upcoming appointment, with its reasons."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="risk_score")
    model = models.ForeignKey(RiskModel, on_delete=models.PROTECT, related_name="scores")
    probability = models.FloatField()
    band = models.CharField(max_length=6, choices=RiskBand.choices)
    reasons = models.JSONField(default=list, help_text="Up to three plain-English reasons, most important first.")
    scored_at = models.DateTimeField()

    class Meta:
        db_table = "appointments_riskscore"
        indexes = [models.Index(fields=["band", "probability"], name="riskscore_band_probability")]

    def __str__(self) -> str:
        return f"{self.appointment_id}: {self.probability:.2f} ({self.band})"
