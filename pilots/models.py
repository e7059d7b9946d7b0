from django.db import models

from appointments.models import Appointment, Clinic, Site, Specialty
from risk.models import RiskBand


class Eligibility(models.TextChoices):
    RISK_BAND = "risk_band", "Every appointment at or above a risk band"
    TOP_N = "top_n", "The highest-risk appointments that call capacity allows"


class Arm(models.TextChoices):
    INTERVENTION = "intervention", "Intervention (call and SMS)"
    CONTROL = "control", "Control (standard SMS reminders only)"


class Pilot(models.Model):
    """A randomised evaluation of calling high-risk patients, in a defined scope and period."""

    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(blank=True)
    sites = models.ManyToManyField(Site, blank=True, help_text="Leave empty for every site.")
    specialties = models.ManyToManyField(Specialty, blank=True, help_text="Leave empty for every specialty.")
    clinics = models.ManyToManyField(Clinic, blank=True, help_text="Leave empty for every clinic.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    eligibility = models.CharField(max_length=10, choices=Eligibility.choices, default=Eligibility.RISK_BAND)
    minimum_band = models.CharField(max_length=6, choices=RiskBand.choices, default=RiskBand.HIGH)
    intervention_weight = models.PositiveSmallIntegerField(default=1, help_text="Allocation ratio, intervention part.")
    control_weight = models.PositiveSmallIntegerField(default=1, help_text="Allocation ratio, control part.")
    block_size = models.PositiveSmallIntegerField(default=4, help_text="Permuted block size (a multiple of the ratio).")
    seed = models.BigIntegerField(default=0, help_text="Random seed: the allocation is reproducible from it.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outreach_pilot"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="pilot_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Allocation(models.Model):
    """An eligible appointment's randomised arm in a pilot: recorded once, never changed."""

    pilot = models.ForeignKey(Pilot, on_delete=models.PROTECT, related_name="allocations")
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="allocation")
    arm = models.CharField(max_length=12, choices=Arm.choices)
    stratum = models.PositiveSmallIntegerField(help_text="IMD quintile (0 where unknown) the block was drawn in.")
    block_number = models.PositiveIntegerField()
    position_in_block = models.PositiveSmallIntegerField()
    risk_probability = models.FloatField(help_text="The risk score at allocation, kept for the evaluation.")
    allocated_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outreach_allocation"
        indexes = [models.Index(fields=["pilot", "arm"], name="allocation_pilot_arm")]
        constraints = [
            models.UniqueConstraint(
                fields=["pilot", "stratum", "block_number", "position_in_block"], name="allocation_block_slot_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.pilot}: {self.appointment_id} → {self.arm}"


class PrimaryOutcome(models.TextChoices):
    DNA_RATE = "dna_rate", "DNA rate (DNAs ÷ attended + DNAs), intervention against control"
    GAP = "gap", "The gap: DNA rate in IMD quintile 1 − quintile 5, intervention against control"


class AnalysisPlan(models.Model):
    """A pilot's pre-registered analysis: what it will judge, how, and how many appointments it needs.

    The sample size is not stored: reports.findings works it out from these figures and the trust's
    own DNA rate (or `baseline_dna_rate_percent`), so the page shows it beside the result. When it
    was registered is kept, so a plan written after the pilot started reads as such."""

    pilot = models.OneToOneField(Pilot, on_delete=models.CASCADE, related_name="analysis_plan")
    primary_outcome = models.CharField(max_length=10, choices=PrimaryOutcome.choices, default=PrimaryOutcome.DNA_RATE)
    strata = models.CharField(
        max_length=200, default="IMD quintile", help_text="What randomisation and analysis stratify by."
    )
    minimum_detectable_effect_points = models.FloatField(
        help_text="The smallest fall in the DNA rate worth detecting, in percentage points (e.g. 3)."
    )
    baseline_dna_rate_percent = models.FloatField(
        null=True,
        blank=True,
        help_text="The control arm's expected DNA rate, in per cent. Leave blank to use the trust's own rate in the "
        "pilot's scope over the year before it starts.",
    )
    alpha = models.FloatField(default=0.05, help_text="Two-sided significance level.")
    power = models.FloatField(default=0.8)
    notes = models.TextField(blank=True, help_text="Secondary outcomes, subgroups, anything else decided in advance.")
    registered_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outreach_analysisplan"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minimum_detectable_effect_points__gt=0, minimum_detectable_effect_points__lt=100),
                name="analysis_plan_effect_in_points",
            ),
            models.CheckConstraint(
                condition=models.Q(alpha__gt=0, alpha__lt=1, power__gt=0, power__lt=1),
                name="analysis_plan_alpha_power_proportions",
            ),
            models.CheckConstraint(
                condition=models.Q(baseline_dna_rate_percent__isnull=True)
                | models.Q(baseline_dna_rate_percent__gt=0, baseline_dna_rate_percent__lt=100),
                name="analysis_plan_baseline_percent",
            ),
        ]

    def __str__(self) -> str:
        return f"Analysis plan for {self.pilot}"
