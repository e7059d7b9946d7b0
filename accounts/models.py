from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


def codes_of(value: str) -> list[str]:
    """A comma-separated list of codes as typed in the admin ("100, 110" or "pl,ur"), cleaned."""
    return [code.strip().lower() for code in value.split(",") if code.strip()]


def validate_codes(value: str) -> None:
    if any(len(code) > 10 or not code.isalnum() for code in codes_of(value)):
        raise ValidationError("Give codes separated by commas, e.g. 100, 110 or pl, ur.")


class Team(models.Model):
    """A call-handling team. Call handlers see only their own team's call lists."""

    name = models.CharField(max_length=100, unique=True)
    calls_per_handler = models.PositiveSmallIntegerField(
        default=25, help_text="How many calls one handler on shift can make in a day."
    )
    # What the team covers: a call goes to the team that covers its appointment's site and
    # specialty (calls/routing.py). Codes, not links, because teams sit below appointments.
    site_code = models.CharField(
        "site it covers", max_length=10, blank=True, help_text="ODS site code, e.g. RAT01; blank for every site."
    )
    specialty_codes = models.CharField(
        "specialties it covers", max_length=200, blank=True, validators=[validate_codes],
        help_text="Treatment function codes separated by commas, e.g. 100, 110; blank for every specialty.",
    )  # fmt: skip
    languages = models.CharField(
        "languages it covers", max_length=100, blank=True, validators=[validate_codes],
        help_text="ISO 639-1 codes its handlers speak besides English, e.g. pl, ur: "
        "patients who prefer one are routed here when the team also covers their appointment.",
    )  # fmt: skip
    is_default = models.BooleanField(
        "the trust's default team", default=False,
        help_text="Calls no team covers go here. At most one team is the default.",
    )  # fmt: skip

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
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_team")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def specialty_code_list(self) -> list[str]:
        return codes_of(self.specialty_codes)

    @property
    def language_list(self) -> list[str]:
        return codes_of(self.languages)


class StaffProfile(models.Model):
    """What Attend needs to know about a member of staff beyond their login."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members")
    languages = models.CharField(
        "languages spoken", max_length=100, blank=True, validators=[validate_codes],
        help_text="ISO 639-1 codes of the languages they speak besides English, e.g. pl, ur: "
        "calls to patients who prefer one come to them first.",
    )  # fmt: skip

    def __str__(self) -> str:
        return f"{self.user} ({self.team or 'no team'})"

    @property
    def language_list(self) -> list[str]:
        return codes_of(self.languages)
