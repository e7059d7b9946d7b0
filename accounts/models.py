from django.conf import settings
from django.db import models


class Team(models.Model):
    """A call-handling team. Call handlers see only their own team's call lists."""

    name = models.CharField(max_length=100, unique=True)
    calls_per_handler = models.PositiveSmallIntegerField(
        default=25, help_text="How many calls one handler on shift can make in a day."
    )

    class Meta:
        ordering = ["name"]
        permissions = [
            ("work_call_list", "Work a call list: claim calls and record outcomes"),
            ("lead_team", "Build and balance call lists, set capacity, reassign calls"),
            ("view_reports", "See aggregate DNA reports and pilot evaluations"),
            ("view_patient_data", "See patient-identifiable data"),
            ("administer_attend", "Import extracts, train and approve models, configure pilots"),
            ("review_safeguarding", "Review the safeguarding list of children not brought to appointments"),
        ]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """What Attend needs to know about a member of staff beyond their login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")

    def __str__(self) -> str:
        return f"{self.user} ({self.team or 'no team'})"
