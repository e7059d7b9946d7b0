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
        ordering = ["-set_at", "-id"]
        get_latest_by = ["set_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(gap_points__gte=-100, gap_points__lte=100), name="disparity_target_in_range"
            )
        ]

    def __str__(self) -> str:
        return f"Gap target {self.gap_points} points"
