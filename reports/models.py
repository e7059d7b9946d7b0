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

    Brought up to date from the appointments after each import and nightly, day by day for
    the days an import touched, or in full (reports/rollup.py), so the dashboard's quintile
    and gap reports sum a few hundred thousand rows instead of joining millions. Never
    edited by hand.
    """

    day = models.DateField(help_text="The appointment's local date.")

    class Meta:
        db_table = "outreach_dnadailycount"
        indexes = [models.Index(fields=["day"], name="dnadaily_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.clinic_id} decile {self.imd_decile}: {self.dnas}/{self.appointments}"


class RollupKind(models.TextChoices):
    FULL = "full", "Full rebuild"
    INCREMENTAL = "incremental", "Incremental refresh"


class DnaRollupBuild(models.Model):
    """One build of the rollup: reports say their figures are as of its `built_at`.

    `built_at` is taken before the build read anything, so every change committed before
    it is counted. `changes_from` is where the next incremental refresh starts looking for
    written appointments (reports/rollup.py: the oldest transaction still open when this
    build read, less a clock margin)."""

    built_at = models.DateTimeField()
    rows = models.PositiveIntegerField(help_text="Rows in the daily rollup after the build.")
    seconds = models.FloatField()
    kind = models.CharField(max_length=12, choices=RollupKind.choices, default=RollupKind.FULL)
    days = models.PositiveIntegerField(null=True, blank=True, help_text="Days recomputed (an incremental refresh).")
    changes_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "outreach_dnarollupbuild"
        get_latest_by = "built_at"

    def __str__(self) -> str:
        return f"Rollup of {self.rows} rows at {self.built_at:%Y-%m-%d %H:%M} ({self.kind})"


class DnaRollupDecile(models.Model):
    """The IMD decile each patient's appointments were counted with when the rollup was last built.

    An incremental refresh compares it with the patients' deciles now: a patient whose decile
    changed (a new postcode in an extract, or `import_deprivation --refresh-patients`, which
    does not touch `updated_at`) has all of their appointment days recomputed. A plain id, not
    a foreign key: a deleted patient's row is dropped by the next refresh, and deleting
    patients never waits on the reports."""

    patient_id = models.BigIntegerField(primary_key=True)
    imd_decile = models.PositiveSmallIntegerField(help_text="0 when the patient had no decile.")

    def __str__(self) -> str:
        return f"patient {self.patient_id}: decile {self.imd_decile or 'none'}"


class DnaMonthlyCount(DnaCounts):
    """DnaDailyCount summed to calendar months: what reports over whole months (the dashboard's
    default) read, a thirtieth of the rows. Rebuilt with it."""

    month = models.DateField(help_text="The first day of the month.")

    class Meta:
        db_table = "outreach_dnamonthlycount"
        indexes = [models.Index(fields=["month"], name="dnamonthly_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.clinic_id} decile {self.imd_decile}: {self.dnas}/{self.appointments}"
