"""Realised performance of a risk model on appointments it scored whose outcome then arrived."""

from __future__ import annotations

from django.db import models

from risk.models import RiskModel


class Population(models.TextChoices):
    ALL = "all", "All scored appointments"
    # The pilot's control arm had no outreach, so the outcome there is what the model predicted
    # without Attend changing it: the cleanest check of the model itself.
    CONTROL = "control", "Pilot control arm (no outreach)"


class LiveCheck(models.Model):
    """One model, one month, one population, one group (all, or an IMD quintile)."""

    model = models.ForeignKey(RiskModel, on_delete=models.CASCADE, related_name="live_checks")
    month = models.DateField(help_text="The month's first day (appointments by their local start).")
    population = models.CharField(max_length=8, choices=Population.choices)
    group = models.CharField(max_length=16, help_text='"all", or "imd_quintile:1" … "imd_quintile:5", "…:none".')
    rows = models.PositiveIntegerField()
    dnas = models.PositiveIntegerField()
    auc = models.FloatField(null=True, blank=True)
    auc_low = models.FloatField(null=True, blank=True)
    auc_high = models.FloatField(null=True, blank=True)
    mean_predicted = models.FloatField(null=True, blank=True)
    dna_rate = models.FloatField(null=True, blank=True)
    ece = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["model", "month", "population", "group"]
        constraints = [
            models.UniqueConstraint(fields=["model", "month", "population", "group"], name="one_live_check_per_cell")
        ]

    def __str__(self) -> str:
        return f"v{self.model.version} {self.month:%Y-%m} {self.population} {self.group}: AUC {self.auc}"
