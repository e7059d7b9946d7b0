from __future__ import annotations

from datetime import date, datetime

from django.conf import settings
from django.db import models
from django.db.models.expressions import Expression
from django.db.models.functions import Coalesce, ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import LessThan
from django.utils import timezone

from config.localtime import local_day_bounds, local_days_bounds
from patients.models import Patient


class Site(models.Model):
    """A hospital site, identified by its ODS site code."""

    ods_code = models.CharField("ODS site code", max_length=10, unique=True)
    name = models.CharField(max_length=200)
    address = models.TextField(blank=True)
    directions = models.TextField(blank=True, help_text="How to get there: buses, parking, entrance. Shown to callers.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Specialty(models.Model):
    """A specialty, identified by its NHS treatment function code."""

    treatment_function_code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return f"{self.name} ({self.treatment_function_code})"


class Clinic(models.Model):
    """A clinic as the PAS codes it: one specialty at one site."""

    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="clinics")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="clinics")
    call_script = models.TextField(blank=True, help_text="A short script call handlers read for this clinic.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AttendanceCode(models.IntegerChoices):
    """NHS Data Dictionary "attended or did not attend"."""

    NOT_YET_KNOWN = 0, "Not yet known (appointment in the future)"
    PATIENT_CANCELLED = 2, "Cancelled by, or on behalf of, the patient"
    DID_NOT_ATTEND = 3, "Did not attend, no advance warning given"
    HOSPITAL_CANCELLED = 4, "Cancelled or postponed by the health care provider"
    ATTENDED = 5, "Attended on time, or before the patient was called"
    ATTENDED_LATE_SEEN = 6, "Arrived late, but was seen"
    ATTENDED_LATE_NOT_SEEN = 7, "Arrived late and could not be seen"
    # Not an NHS code: the PAS withdrew the record (FHIR status entered-in-error), so the
    # appointment never was. It is in none of the code groups below: no report, reminder,
    # call or model sees it; it is kept so a later extract with the same id is recognised.
    ENTERED_IN_ERROR = 99, "Withdrawn: recorded in error"


# The definitions every report uses (shared/DESIGN.md).
ATTENDED_CODES = (AttendanceCode.ATTENDED, AttendanceCode.ATTENDED_LATE_SEEN)
DNA_CODES = (AttendanceCode.DID_NOT_ATTEND, AttendanceCode.ATTENDED_LATE_NOT_SEEN)
CANCELLED_CODES = (AttendanceCode.PATIENT_CANCELLED, AttendanceCode.HOSPITAL_CANCELLED)
HAPPENED_CODES = ATTENDED_CODES + DNA_CODES


def dna_count(prefix: str = "") -> models.Sum:
    """The number of DNAs among the rows an aggregate groups (`prefix` reaches the appointment
    through a relation, e.g. "appointment__"): the one definition reports, the rollup and pilot
    evaluations count with."""
    return models.Sum(
        models.Case(
            models.When(**{f"{prefix}attendance_code__in": DNA_CODES}, then=models.Value(1)),
            default=models.Value(0),
        ),
        output_field=models.IntegerField(),
    )


# --- A child's missed appointment: "was not brought" ---------------------------------------
# A child does not miss an appointment: someone did not bring them. The DNA codes and every DNA
# rate stay as DESIGN.md defines them; only how a child's DNA is named to people changes, and
# which list it goes to (the safeguarding app). "A child" is one rule, in two twins kept side by
# side: `Appointment.is_child` (Python, for one appointment on a page) and
# `AppointmentQuerySet.of_children()` (SQL, for lists and sweeps), both reading the age on the
# appointment's local day from `age_on_day_expression` / `Appointment.age_on_day`.

DID_NOT_ATTEND = "Did not attend"
WAS_NOT_BROUGHT = "Was not brought"


def child_age_under() -> int:
    """Patients younger than this on the appointment's day are children (ATTEND_CHILD_AGE_UNDER)."""
    return settings.ATTEND_CHILD_AGE_UNDER


def is_child_age(age: int | None) -> bool:
    """Whether an age in whole years is a child's; an unknown age is not (nothing is made up)."""
    return age is not None and age < child_age_under()


def age_on_day_expression(prefix: str = "") -> Expression:
    """Whole years on the appointment's local date, in SQL: the age the extract gave with the
    appointment (analytic extracts give no date of birth), else from the patient's date of birth;
    NULL when neither is known. The SQL twin of `Appointment.age_on_day`; reports' age bands and
    the child rule both read it (`prefix` reaches the appointment through a relation)."""
    starts, born = f"{prefix}starts_at", f"{prefix}patient__date_of_birth"
    years = ExtractYear(starts) - ExtractYear(born)
    appointment_day = ExtractMonth(starts) * 100 + ExtractDay(starts)
    birthday = ExtractMonth(born) * 100 + ExtractDay(born)
    before_birthday = models.Case(
        models.When(LessThan(appointment_day, birthday), then=models.Value(1)), default=models.Value(0)
    )
    return Coalesce(
        models.F(f"{prefix}age_at_appointment"), years - before_birthday, output_field=models.IntegerField()
    )


class AppointmentType(models.TextChoices):
    FIRST = "first", "First"
    FOLLOW_UP = "follow_up", "Follow-up"


class Medium(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "Face to face"
    TELEPHONE = "telephone", "Telephone"
    VIDEO = "video", "Video"


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def upcoming(self, now: datetime | None = None) -> AppointmentQuerySet:
        """Booked, not cancelled, not yet started, and the patient alive (nothing is planned, sent or
        called about for a patient who has died)."""
        return self.filter(
            attendance_code=AttendanceCode.NOT_YET_KNOWN, starts_at__gte=now or timezone.now(), patient__deceased=False
        )

    def happened(self) -> AppointmentQuerySet:
        """Attended or DNA: the denominator of every DNA rate (cancellations excluded)."""
        return self.filter(attendance_code__in=HAPPENED_CODES)

    def attended(self) -> AppointmentQuerySet:
        return self.filter(attendance_code__in=ATTENDED_CODES)

    def dna(self) -> AppointmentQuerySet:
        return self.filter(attendance_code__in=DNA_CODES)

    def cancelled(self) -> AppointmentQuerySet:
        return self.filter(attendance_code__in=CANCELLED_CODES)

    def on_day(self, day: date) -> AppointmentQuerySet:
        """Appointments starting on a local calendar day (23 or 25 hours when the clocks change)."""
        start, end = local_day_bounds(day)
        return self.filter(starts_at__gte=start, starts_at__lt=end)

    def between(self, start: date, end: date) -> AppointmentQuerySet:
        """Appointments starting on any day from `start` to `end` inclusive (local dates)."""
        first, after = local_days_bounds(start, end)
        return self.filter(starts_at__gte=first, starts_at__lt=after)

    def for_patient(self, patient: Patient | int) -> AppointmentQuerySet:
        return self.filter(patient=patient)

    def of_children(self) -> AppointmentQuerySet:
        """Appointments of patients under ATTEND_CHILD_AGE_UNDER on the appointment's day (the SQL
        twin of `Appointment.is_child`); an unknown age is not a child's."""
        return self.alias(age_on_day=age_on_day_expression()).filter(age_on_day__lt=child_age_under())

    def not_brought(self) -> AppointmentQuerySet:
        """A child's DNAs: the DNAs named "was not brought" (counted as DNAs in every rate)."""
        return self.dna().of_children()


class Appointment(models.Model):
    """One outpatient appointment from the trust's PAS extract."""

    pas_id = models.CharField(
        "appointment ID", max_length=64, unique=True, help_text="The PAS's id (appointment_id in the extract)."
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="appointments")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="appointments")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="appointments")
    starts_at = models.DateTimeField(
        help_text="When it starts; the day's local midnight when the extract gave the day only (see start_time_known)."
    )
    start_time_known = models.BooleanField(
        default=True, help_text="False when the extract gave a date without a time: shown as 'time not given'."
    )
    booked_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was booked; empty when the extract does not say (lead time unknown)."
    )
    age_at_appointment = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Age in whole years on the day, when the extract gives age instead of a date of birth.",
    )
    appointment_type = models.CharField(max_length=9, choices=AppointmentType.choices)
    medium = models.CharField(max_length=12, choices=Medium.choices, default=Medium.FACE_TO_FACE)
    attendance_code = models.PositiveSmallIntegerField(
        choices=AttendanceCode.choices, default=AttendanceCode.NOT_YET_KNOWN
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The extract row that last wrote it, so that a re-import can leave the row alone when it comes
    # again unchanged (appointments.importing.fingerprints). `fingerprint` hashes the row's values
    # with everything else its outcome depends on (the header, the layout or mapping, the importer's
    # code, the reference tables); it is set only for a row taken with no problem, by the statement
    # that writes the appointment, and `fingerprinted_at` is that statement's time, so an edit since
    # (a later `updated_at`) sends the row through validation again. PostgreSQL imports only.
    fingerprint = models.UUIDField(null=True, editable=False, help_text="MD5 of the importer's context and the row.")
    fingerprint_rules = models.TextField(
        blank=True, default="", db_default="", editable=False, help_text="The value rules the fingerprinted row fired."
    )
    fingerprinted_at = models.DateTimeField(null=True, editable=False)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        indexes = [
            # Nightly jobs: upcoming appointments in a date range.
            models.Index(fields=["attendance_code", "starts_at"], name="appt_code_starts"),
            # Features: a patient's history in time order.
            models.Index(fields=["patient", "starts_at"], name="appt_patient_starts"),
            # Reports: by site / specialty / clinic over a period.
            models.Index(fields=["starts_at", "site"], name="appt_starts_site"),
            models.Index(fields=["starts_at", "specialty"], name="appt_starts_specialty"),
            models.Index(fields=["starts_at", "clinic"], name="appt_starts_clinic"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(attendance_code__in=[code.value for code in AttendanceCode]),
                name="appointment_attendance_code_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pas_id} {self.starts_at:%Y-%m-%d %H:%M} {self.clinic_id}"

    @property
    def is_dna(self) -> bool:
        return self.attendance_code in DNA_CODES

    @property
    def has_happened(self) -> bool:
        return self.attendance_code in HAPPENED_CODES

    @property
    def age_on_day(self) -> int | None:
        """Whole years on the appointment's local date: the age the extract gave, else from the
        date of birth (the Python twin of `age_on_day_expression`); None when neither is known."""
        if self.age_at_appointment is not None:
            return self.age_at_appointment
        return self.patient.age_on(timezone.localtime(self.starts_at).date())

    @property
    def is_child(self) -> bool:
        """Under ATTEND_CHILD_AGE_UNDER on the day (the twin of `of_children()`)."""
        return is_child_age(self.age_on_day)

    @property
    def was_not_brought(self) -> bool:
        return self.is_dna and self.is_child

    @property
    def outcome_label(self) -> str:
        """The outcome as pages name it: a child's DNA is "Was not brought", never "Did not attend"."""
        if not self.was_not_brought:
            return self.get_attendance_code_display()
        if self.attendance_code == AttendanceCode.ATTENDED_LATE_NOT_SEEN:
            return f"{WAS_NOT_BROUGHT} in time: arrived late and could not be seen"
        return WAS_NOT_BROUGHT

    @property
    def booking_lead_days(self) -> int | None:
        """Days from booking to the appointment; None when the extract gave no booking date."""
        if self.booked_at is None:
            return None
        return (self.starts_at - self.booked_at).days


class ClosureDay(models.Model):
    """A local day the trust (no site) or one site is closed, entered by an admin.

    Reminders are not sent on it (one due then goes the sending day before) and, trust-wide,
    no call list is built on it (appointments/working_days.py). Bank holidays need no row.
    """

    day = models.DateField()
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.CASCADE, related_name="closure_days",
        help_text="Leave blank when the whole trust is closed.",
    )  # fmt: skip
    reason = models.CharField(max_length=200, help_text="Shown where the closure stops a reminder or a list.")

    class Meta:
        ordering = ["day"]
        constraints = [
            models.UniqueConstraint(fields=["day", "site"], name="closure_day_once_per_site"),
            models.UniqueConstraint(
                fields=["day"], condition=models.Q(site__isnull=True), name="closure_day_once_trust_wide"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day:%d %b %Y} {self.site or 'whole trust'}: {self.reason}"


# Import runs live with the importer; importing them here registers them with the app.
from appointments.importing.models import ImportBatch, ImportRowError  # noqa: E402, F401
