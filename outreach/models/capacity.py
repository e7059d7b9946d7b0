from django.conf import settings
from django.db import models

from accounts.models import Team


class TeamCapacity(models.Model):
    """How many call handlers a team has on shift on a day; the day's list holds
    handlers on shift × the team's calls per handler."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="capacities")
    day = models.DateField()
    handlers_on_shift = models.PositiveSmallIntegerField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "team capacities"
        constraints = [models.UniqueConstraint(fields=["team", "day"], name="one_capacity_per_team_day")]

    def __str__(self) -> str:
        return f"{self.team} on {self.day}: {self.handlers_on_shift} on shift"
