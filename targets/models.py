"""Disparity targets where they are set: per division, specialty or site, each with an owner and a
trajectory, and the divisions (groups of specialties) a trust is run by.

The trust-wide gap target stays reports.DisparityTarget (the dashboard's headline); these are the
targets divisional directors own for their part of the trust.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone


class Division(models.Model):
    """A clinical division: the specialties one divisional director answers for (e.g. Surgery)."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def specialty_codes(self) -> tuple[str, ...]:
        return tuple(
            self.specialties.order_by("specialty__treatment_function_code").values_list(
                "specialty__treatment_function_code", flat=True
            )
        )


class DivisionSpecialty(models.Model):
    """A specialty's division: a specialty belongs to one division at most."""

    division = models.ForeignKey(Division, on_delete=models.CASCADE, related_name="specialties")
    specialty = models.OneToOneField("appointments.Specialty", on_delete=models.CASCADE, related_name="division_link")

    class Meta:
        verbose_name = "specialty in a division"
        verbose_name_plural = "specialties in the division"

    def __str__(self) -> str:
        return f"{self.specialty} in {self.division}"


class Scope(models.TextChoices):
    DIVISION = "division", "Division"
    SPECIALTY = "specialty", "Specialty"
    SITE = "site", "Site"


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


class DisparityTargetQuerySet(models.QuerySet["DisparityTarget"]):
    def active(self) -> DisparityTargetQuerySet:
        return self.filter(retired_at__isnull=True)

    def owned_first(self, viewer: object) -> list[DisparityTarget]:
        """The viewer's own targets first, then everyone else's; within each, by scope and name."""
        rows = list(self.select_related("owner", "division", "specialty", "site"))
        order = list(Scope.values)
        return sorted(rows, key=lambda t: (t.owner_id != getattr(viewer, "pk", None), order.index(t.scope), t.name))


class DisparityTarget(models.Model):
    """The gap (quintile 1 − quintile 5 DNA rate, percentage points) one division, specialty or site
    aims for, owned by one person, on a straight-line trajectory from a baseline month to a target month.

    The trajectory is the gap expected each month: the baseline gap up to the baseline month, then
    falling (or rising) in equal monthly steps to the target gap in the target month, and the target
    gap after it. Retired targets stay, as history; one active target per division, specialty or site.
    """

    scope = models.CharField(max_length=10, choices=Scope.choices)
    division = models.ForeignKey(Division, null=True, blank=True, on_delete=models.PROTECT, related_name="targets")
    specialty = models.ForeignKey(
        "appointments.Specialty", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey("appointments.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="disparity_targets",
        help_text="The director accountable for the target.",
    )
    baseline_month = models.DateField(help_text="The first day of the month the trajectory starts from.")
    baseline_gap_points = models.DecimalField("baseline gap (percentage points)", max_digits=5, decimal_places=2)
    target_month = models.DateField(help_text="The first day of the month the target gap is due.")
    target_gap_points = models.DecimalField("target gap (percentage points)", max_digits=5, decimal_places=2)
    note = models.CharField(max_length=300, blank=True)
    # Who set or changed it, and when, is in the audit trail (every change is audited).
    set_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = DisparityTargetQuerySet.as_manager()

    class Meta:
        db_table = "targets_disparitytarget"
        ordering = ["scope", "id"]
        constraints = [
            models.CheckConstraint(
                name="target_names_exactly_its_scope",
                condition=(
                    models.Q(scope="division", division__isnull=False, specialty__isnull=True, site__isnull=True)
                    | models.Q(scope="specialty", division__isnull=True, specialty__isnull=False, site__isnull=True)
                    | models.Q(scope="site", division__isnull=True, specialty__isnull=True, site__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="target_month_after_baseline", condition=models.Q(target_month__gt=models.F("baseline_month"))
            ),
            models.CheckConstraint(
                name="target_gaps_in_range",
                condition=models.Q(
                    baseline_gap_points__gte=-100,
                    baseline_gap_points__lte=100,
                    target_gap_points__gte=-100,
                    target_gap_points__lte=100,
                ),
            ),
            models.UniqueConstraint(
                fields=["division"], condition=models.Q(retired_at__isnull=True), name="one_active_target_per_division"
            ),
            models.UniqueConstraint(
                fields=["specialty"],
                condition=models.Q(retired_at__isnull=True),
                name="one_active_target_per_specialty",
            ),
            models.UniqueConstraint(
                fields=["site"], condition=models.Q(retired_at__isnull=True), name="one_active_target_per_site"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: gap {self.target_gap_points} points by {self.target_month:%B %Y}"

    @property
    def subject(self) -> models.Model | None:
        return {Scope.DIVISION: self.division, Scope.SPECIALTY: self.specialty, Scope.SITE: self.site}[self.scope]

    @property
    def name(self) -> str:
        """What the target is for, as a director says it ("Surgery division", "Cardiology (320)")."""
        subject = self.subject
        if self.scope == Scope.DIVISION and not str(subject).lower().endswith("division"):
            return f"{subject} division"
        return str(subject)

    def report_filters(self) -> dict[str, object]:
        """The report filters (reports.selectors) that select this target's appointments."""
        if self.scope == Scope.DIVISION:
            return {"specialty": self.division.specialty_codes()}
        if self.scope == Scope.SPECIALTY:
            return {"specialty": self.specialty.treatment_function_code}
        return {"site": self.site.ods_code}

    def trajectory_at(self, month: date) -> Decimal:
        """The gap the trajectory expects in `month` (any day of it), to 2 decimal places."""
        month = first_of_month(month)
        if month <= self.baseline_month:
            return self.baseline_gap_points
        if month >= self.target_month:
            return self.target_gap_points
        done = Decimal(months_between(self.baseline_month, month)) / months_between(
            self.baseline_month, self.target_month
        )
        step = self.baseline_gap_points + (self.target_gap_points - self.baseline_gap_points) * done
        return step.quantize(Decimal("0.01"))
