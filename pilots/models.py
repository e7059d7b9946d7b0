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
