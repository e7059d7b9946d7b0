from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from patients.deprivation.quintiles import deciles_in_quintile, imd_quintile
from patients.identifiers import PhoneKind, format_nhs_number, normalise_nhs_number, phone_kind


def validate_nhs_number(value: str) -> None:
    try:
        normalise_nhs_number(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Indeterminate"
    UNKNOWN = "U", "Not known"


class EthnicCategory(models.TextChoices):
    """NHS Data Dictionary ETHNIC CATEGORY (2001 census codes)."""

    WHITE_BRITISH = "A", "White - British"
    WHITE_IRISH = "B", "White - Irish"
    WHITE_OTHER = "C", "White - Any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "D", "Mixed - White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "E", "Mixed - White and Black African"
    MIXED_WHITE_ASIAN = "F", "Mixed - White and Asian"
    MIXED_OTHER = "G", "Mixed - Any other mixed background"
    ASIAN_INDIAN = "H", "Asian or Asian British - Indian"
    ASIAN_PAKISTANI = "J", "Asian or Asian British - Pakistani"
    ASIAN_BANGLADESHI = "K", "Asian or Asian British - Bangladeshi"
    ASIAN_OTHER = "L", "Asian or Asian British - Any other Asian background"
    BLACK_CARIBBEAN = "M", "Black or Black British - Caribbean"
    BLACK_AFRICAN = "N", "Black or Black British - African"
    BLACK_OTHER = "P", "Black or Black British - Any other Black background"
    CHINESE = "R", "Other Ethnic Groups - Chinese"
    OTHER = "S", "Other Ethnic Groups - Any other ethnic group"
    NOT_STATED = "Z", "Not stated"
    NOT_KNOWN = "99", "Not known"

    @classmethod
    def group_of(cls, code: str) -> str:
        """The broad group reports use (White, Mixed, Asian, Black, Other, Not known)."""
        return ETHNIC_GROUPS.get(code or "", "Not known")


ETHNIC_GROUPS: dict[str, str] = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian"),
    **dict.fromkeys("MNP", "Black"),
    **dict.fromkeys("RS", "Other"),
    "Z": "Not stated",
    "99": "Not known",
}


class CommunicationNeed(models.TextChoices):
    """Accessible Information Standard (DCB1605) needs Attend acts on: how to contact the patient
    and what form information must take. Stored on the patient as sorted, comma-separated codes."""

    LARGE_PRINT = "large_print", "Large print"
    EASY_READ = "easy_read", "Easy read"
    BRAILLE = "braille", "Braille"
    AUDIO = "audio", "Audio or read aloud"
    EMAIL = "email", "Information by email"
    RELAY_UK = "relay_uk", "Phone through Relay UK (text relay): dial 18001 before the number"
    ADVOCATE = "advocate", "Needs a carer or advocate to help with contact"

    @classmethod
    def joined(cls, codes: Iterable[str]) -> str:
        """The stored form: known codes, sorted, no repeats (an unknown code raises ValueError)."""
        found = {code.strip().lower() for code in codes if code.strip()}
        unknown = found - set(cls.values)
        if unknown:
            raise ValueError(f"not an accessible-information need: {', '.join(sorted(unknown))}")
        return ",".join(sorted(found))


class PreferredChannel(models.TextChoices):
    """How the patient asked to be reminded. Only "letter" (they asked for post) changes what is
    sent: a letter instead of texts, when Attend holds an address that works. "phone" and "sms"
    take nothing away (texts and calls each have their own opt-out: STOP and do not call)."""

    NONE = "", "No preference given"
    SMS = "sms", "Text message"
    PHONE = "phone", "Phone call"
    LETTER = "letter", "Letter (asked for post)"


class ImdVintage(models.TextChoices):
    """Which English Indices of Deprivation a decile comes from (and so which LSOA boundaries)."""

    IMD2019 = "IMD2019", "English IMD 2019 (2011 LSOAs)"
    IMD2025 = "IMD2025", "English IMD 2025 (2021 LSOAs)"


class PatientQuerySet(models.QuerySet["Patient"]):
    def reachable_by_sms(self) -> PatientQuerySet:
        return self.exclude(mobile="").filter(sms_opt_out=False, mobile_unusable=False, deceased=False)

    def living(self) -> PatientQuerySet:
        return self.filter(deceased=False)

    def with_number_to_call(self) -> PatientQuerySet:
        """Patients a call handler can phone: a mobile, another number or their contact's (any kind)."""
        return self.exclude(mobile="", other_phone="", contact_phone="")

    def without_number_to_call(self) -> PatientQuerySet:
        return self.filter(mobile="", other_phone="", contact_phone="")

    def in_imd_quintile(self, quintile: int) -> PatientQuerySet:
        return self.filter(imd_decile__in=deciles_in_quintile(quintile))

    def without_deprivation(self) -> PatientQuerySet:
        return self.filter(imd_decile__isnull=True)


class Patient(models.Model):
    """A person with outpatient appointments at the trust, as the trust's PAS knows them."""

    hospital_number = models.CharField(
        max_length=32, unique=True, help_text="The trust's local patient identifier (patient_id in the extract)."
    )
    nhs_number = models.CharField(max_length=10, blank=True, validators=[validate_nhs_number], db_index=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(
        null=True,
        blank=True,
        help_text="Empty when the extract gives age at each appointment instead (pseudonymised analytic extracts).",
    )
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    ethnic_category = models.CharField(max_length=2, choices=EthnicCategory.choices, blank=True)

    postcode = models.CharField(max_length=8, blank=True)
    lsoa_code = models.CharField("LSOA", max_length=9, blank=True)
    imd_decile = models.PositiveSmallIntegerField("IMD decile", null=True, blank=True)
    imd_vintage = models.CharField("IMD vintage", max_length=7, choices=ImdVintage.choices, blank=True)

    mobile = models.CharField(max_length=16, blank=True, help_text="Mobile number in E.164, used for SMS.")
    mobile_unusable = models.BooleanField(
        default=False, help_text="The SMS provider reported this number cannot receive messages."
    )
    other_phone = models.CharField(
        "other number",
        max_length=16,
        blank=True,
        help_text="A number to call that is not for SMS (a landline, or a second mobile), in E.164.",
    )
    contact_name = models.CharField(
        max_length=100, blank=True, help_text="A parent, carer or other person to contact for the patient."
    )
    contact_phone = models.CharField(
        max_length=16, blank=True, help_text="Their number in E.164: a child's texts go to it when it is a mobile."
    )
    contact_relationship = models.CharField(max_length=50, blank=True, help_text="e.g. mother, carer, guardian.")
    address_line_1 = models.CharField(
        max_length=100,
        blank=True,
        help_text="The postal address for letters, a line a field as the extract gives it.",
    )
    address_line_2 = models.CharField(max_length=100, blank=True)
    address_line_3 = models.CharField(max_length=100, blank=True)
    address_line_4 = models.CharField(max_length=100, blank=True)
    address_line_5 = models.CharField(max_length=100, blank=True)
    address_line_6 = models.CharField(max_length=100, blank=True)
    # Database defaults too: the PostgreSQL import writer inserts patients with the extract's columns only.
    address_returned = models.TextField(
        blank=True,
        db_default="",
        help_text="The address (its lines, one a line) a letter to the patient came back from: while Attend "
        "holds the same address it does not work (no letter goes to it); a new address from the extract works.",
    )
    address_returned_at = models.DateTimeField(null=True, blank=True)
    preferred_channel = models.CharField(
        max_length=8,
        choices=PreferredChannel.choices,
        blank=True,
        db_default="",
        help_text="How the patient asked to be reminded, recorded in Attend (a local correction).",
    )
    preferred_language = models.CharField(max_length=8, default="en", help_text="ISO 639-1 code.")
    interpreter_required = models.BooleanField(default=False)
    communication_needs = models.CharField(
        "accessible-information needs",
        max_length=200,
        blank=True,
        help_text="Accessible Information Standard needs: sorted, comma-separated CommunicationNeed codes.",
    )
    deceased = models.BooleanField(
        default=False,
        help_text="The PAS says the patient has died (or gave a date of death that cannot be trusted): "
        "nothing is sent and no call is made.",
    )
    date_of_death = models.DateField(null=True, blank=True, help_text="Empty when deceased with no date known.")
    sms_opt_out = models.BooleanField("opted out of SMS", default=False)
    sms_opt_out_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PatientQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["imd_decile"]),
            models.Index(fields=["mobile"]),
            models.Index(fields=["other_phone"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(imd_decile__isnull=True) | models.Q(imd_decile__gte=1, imd_decile__lte=10),
                name="patient_imd_decile_1_to_10",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.hospital_number})"

    @property
    def display_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part) or self.hospital_number

    @property
    def nhs_number_display(self) -> str:
        return format_nhs_number(self.nhs_number)

    @property
    def numbers_to_call(self) -> list[tuple[str, str]]:
        """(E.164 number, kind) for every number of the patient's own a handler may phone, the SMS
        mobile first (their contact's number is `contact_phone`)."""
        numbers = [(self.mobile, PhoneKind.MOBILE)] if self.mobile else []
        if self.other_phone and self.other_phone != self.mobile:
            numbers.append((self.other_phone, phone_kind(self.other_phone)))
        return numbers

    @property
    def address_lines(self) -> list[str]:
        """The postal address for a letter, the lines given and then the postcode; empty when the
        extract gave no address line (a postcode alone is not somewhere a letter can go)."""
        lines = [getattr(self, f"address_line_{number}").strip() for number in range(1, 7)]
        lines = [line for line in lines if line]
        return [*lines, self.postcode] if lines and self.postcode else lines

    @property
    def address_works(self) -> bool:
        """Attend holds an address and no letter to it has come back."""
        lines = self.address_lines
        return bool(lines) and "\n".join(lines) != self.address_returned

    @property
    def asked_for_post(self) -> bool:
        return self.preferred_channel == PreferredChannel.LETTER

    @property
    def communication_need_labels(self) -> list[str]:
        labels = dict(CommunicationNeed.choices)
        return [labels.get(code, code) for code in self.communication_needs.split(",") if code]

    @property
    def imd_quintile(self) -> int | None:
        return imd_quintile(self.imd_decile)

    def age_on(self, day: date) -> int | None:
        """Whole years on `day`; None without a date of birth (the appointment may hold its age)."""
        born = self.date_of_birth
        if born is None:
            return None
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


# Age bands used by reports and the risk model. 18–29 is its own band because the
# trusts' evidence (and the synthetic trust) shows DNAs highest among young adults.
AGE_BANDS: tuple[tuple[str, int, int], ...] = (
    ("0-17", 0, 17),
    ("18-29", 18, 29),
    ("30-44", 30, 44),
    ("45-64", 45, 64),
    ("65-79", 65, 79),
    ("80+", 80, 200),
)


def age_band(age: int) -> str:
    return next(label for label, low, high in AGE_BANDS if low <= age <= high)


class DeathConflict(models.Model):
    """An extract that no longer says a patient Attend has as deceased has died. Attend keeps
    them deceased (a data-entry error in the PAS must never silently restart texts and calls
    to a family) until a team lead checks and settles it."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="death_conflicts")
    date_of_death = models.DateField(null=True, blank=True, help_text="The date Attend holds.")
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(
        max_length=8, blank=True, choices=[("alive", "The patient is alive"), ("deceased", "Still deceased")]
    )

    class Meta:
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(resolved_at__isnull=True), name="one_open_death_conflict"
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient}: the PAS no longer says deceased"


# The deprivation reference tables and the local corrections live in their own modules;
# importing them here registers them with the patients app.
from patients.corrections.models import CorrectionConflict, LocalCorrection  # noqa: E402, F401
from patients.deprivation.models import LsoaDeprivation, PostcodeLsoa  # noqa: E402, F401
