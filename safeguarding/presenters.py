"""What the safeguarding list page shows for each entry, formatted."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format

from appointments.models import WAS_NOT_BROUGHT
from safeguarding.models import SafeguardingEntry

REVIEW_PERMISSION = "accounts.review_safeguarding"


def named_contacts() -> list[str]:
    """The people this list is for: every active login holding the review permission (through the
    Safeguarding lead role, or given it on their own login), by name."""
    people = (
        get_user_model()
        .objects.with_perm(
            REVIEW_PERMISSION, include_superusers=False, backend="django.contrib.auth.backends.ModelBackend"
        )
        .filter(is_active=True)
    )
    return sorted(person.get_full_name() or person.get_username() for person in people)


@dataclass
class EntryPresenter:
    entry: SafeguardingEntry

    @property
    def patient(self) -> str:
        return self.entry.patient.display_name

    @property
    def nhs_number(self) -> str:
        return self.entry.patient.nhs_number_display or "Not known"

    @property
    def hospital_number(self) -> str:
        return self.entry.patient.hospital_number

    @property
    def died(self) -> str:
        """Said beside the child's name, so nobody contacts a bereaved family unawares."""
        patient = self.entry.patient
        if not patient.deceased:
            return ""
        return f"Died {date_format(patient.date_of_death, 'j F Y')}" if patient.date_of_death else "Deceased"

    @property
    def age(self) -> str:
        age = self.entry.appointment.age_on_day
        return "Not known" if age is None else f"{age} on the day"

    @property
    def appointment(self) -> str:
        appointment = self.entry.appointment
        local = timezone.localtime(appointment.starts_at)
        day = date_format(local, "j F Y")
        return f"{day}, {local:%H:%M}" if appointment.start_time_known else f"{day} (time not given)"

    @property
    def where(self) -> str:
        appointment = self.entry.appointment
        return (
            f"{appointment.clinic.name}, {appointment.specialty.name} ({appointment.specialty.treatment_function_code})"
        )

    @property
    def outcome(self) -> str:
        """The outcome now: an extract may since have corrected it, which the reviewer should see."""
        appointment = self.entry.appointment
        label = appointment.outcome_label
        return label if appointment.was_not_brought else f"{WAS_NOT_BROUGHT} when listed; now recorded as: {label}"

    @property
    def listed(self) -> str:
        return date_format(timezone.localtime(self.entry.listed_at), "j F Y, H:i")

    @property
    def reviewed(self) -> str:
        entry = self.entry
        if entry.reviewed_at is None:
            return ""
        by = entry.reviewed_by.get_full_name() or entry.reviewed_by.get_username()
        return f"{date_format(timezone.localtime(entry.reviewed_at), 'j F Y, H:i')} by {by}"
