from django.conf import settings
from django.db import models


class DisparityTarget(models.Model):
    """The gap in DNA rates (quintile 1 − quintile 5, percentage points) a director aims for.

    Each change is a new row, so the history of targets stays visible; the latest row is the target.
    """

    gap_points = models.DecimalField(
        "target gap (percentage points)",
        max_digits=5,
        decimal_places=2,
        help_text="The DNA rate gap between the most and least deprived quintiles to aim for.",
    )
    note = models.CharField(max_length=300, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outreach_disparitytarget"
        ordering = ["-set_at", "-id"]
        get_latest_by = ["set_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gap_points__gte=-100, gap_points__lte=100), name="disparity_target_in_range"
            )
        ]

    def __str__(self) -> str:
        return f"Gap target {self.gap_points} points"


class DnaCounts(models.Model):
    """What both rollups count for one clinic and IMD decile over a period."""

    site = models.ForeignKey("appointments.Site", on_delete=models.CASCADE, related_name="+")
    specialty = models.ForeignKey("appointments.Specialty", on_delete=models.CASCADE, related_name="+")
    clinic = models.ForeignKey("appointments.Clinic", on_delete=models.CASCADE, related_name="+")
    imd_decile = models.PositiveSmallIntegerField(null=True)
    appointments = models.PositiveIntegerField(help_text="Attended + DNA.")
    dnas = models.PositiveIntegerField()

    class Meta:
        abstract = True


class DnaDailyCount(DnaCounts):
    """Happened appointments and DNAs per day, clinic and IMD decile: the reports' rollup.

    Rebuilt in one statement from the appointments after each nightly import (see
    outreach/reports/rollup.py), so the dashboard's quintile and gap reports sum a few
    hundred thousand rows instead of joining millions. Never edited by hand.
    """

    day = models.DateField(help_text="The appointment's local date.")

    class Meta:
        db_table = "outreach_dnadailycount"
        indexes = [models.Index(fields=["day"], name="dnadaily_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.clinic_id} decile {self.imd_decile}: {self.dnas}/{self.appointments}"


class DnaRollupBuild(models.Model):
    """When the rollup was last rebuilt: reports say their figures are as of this time."""

    built_at = models.DateTimeField()
    rows = models.PositiveIntegerField()
    seconds = models.FloatField()

    class Meta:
        db_table = "outreach_dnarollupbuild"
        get_latest_by = "built_at"

    def __str__(self) -> str:
        return f"Rollup of {self.rows} rows at {self.built_at:%Y-%m-%d %H:%M}"


class DnaMonthlyCount(DnaCounts):
    """DnaDailyCount summed to calendar months: what reports over whole months (the dashboard's
    default) read, a thirtieth of the rows. Rebuilt with it."""

    month = models.DateField(help_text="The first day of the month.")

    class Meta:
        db_table = "outreach_dnamonthlycount"
        indexes = [models.Index(fields=["month"], name="dnamonthly_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.clinic_id} decile {self.imd_decile}: {self.dnas}/{self.appointments}"
