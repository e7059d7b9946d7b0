"""What the call handler's pages show, formatted: kept out of templates and models."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone
from django.utils.formats import date_format

from appointments.models import Appointment, Medium
from calls import selectors
from calls.models import CallTask
from calls.selectors import ListCounts
from patients.corrections.models import CorrectableField, LocalCorrection
from patients.identifiers import PhoneKind, national_format, phone_kind
from patients.languages import language_name
from patients.models import Patient


def when(value) -> str:
    return date_format(timezone.localtime(value), "l j F Y, H:i")


@dataclass
class AppointmentPresenter:
    appointment: Appointment

    @property
    def clinic(self) -> str:
        return self.appointment.clinic.name

    @property
    def site(self) -> str:
        return self.appointment.site.name

    @property
    def where(self) -> str:
        """The clinic and its site, without saying the site twice when the clinic's name has it."""
        clinic, site = self.clinic, self.site
        return clinic if site and site.lower() in clinic.lower() else f"{clinic} at {site}"

    @property
    def starts(self) -> str:
        if not self.appointment.start_time_known:
            day = date_format(timezone.localtime(self.appointment.starts_at), "l j F Y")
            return f"{day} (time not given)"
        return when(self.appointment.starts_at)

    @property
    def in_person(self) -> bool:
        return self.appointment.medium == Medium.FACE_TO_FACE

    @property
    def directions(self) -> str:
        """How to get there, for an appointment the patient travels to; nothing for a call or video."""
        if not self.in_person:
            return ""
        return self.appointment.site.directions or "No directions recorded for this site."

    @property
    def medium(self) -> str:
        return self.appointment.get_medium_display()


@dataclass
class PhonePresenter:
    number: str  # as people read it aloud (07700 900123), not E.164
    kind: str  # "Mobile (texts and calls)", "Landline (calls only)", …
    source: str  # "from the trust's extract", "recorded in Attend on 3 November 2026"


KIND_ON_THE_CARD = {
    PhoneKind.MOBILE: "Mobile (texts and calls)",
    PhoneKind.LANDLINE: "Landline (calls only)",
    PhoneKind.OTHER: "Other number (calls only)",
}


def phones_of(patient: Patient, *, contact_first: bool = False) -> list[PhonePresenter]:
    """A patient's numbers as the card shows them, and their contact's (a parent or carer): first
    for a child, whom the handler does not call directly."""
    shown = _own_phones(patient)
    if patient.contact_phone:
        who = contact_label(patient)
        contact = PhonePresenter(
            national_format(patient.contact_phone),
            f"{KIND_ON_THE_CARD[phone_kind(patient.contact_phone)]}: {who}",
            "from the trust's extract",
        )
        shown = [contact, *shown] if contact_first else [*shown, contact]
    return shown


def contact_label(patient: Patient) -> str:
    """ "Sam Jones (mother)", "a parent or carer (guardian)", …"""
    name = patient.contact_name or "a parent or carer"
    return f"{name} ({patient.contact_relationship})" if patient.contact_relationship else name


def _own_phones(patient: Patient) -> list[PhonePresenter]:
    numbers = patient.numbers_to_call
    if not numbers:
        return []
    corrected = {
        correction.field: correction
        for correction in LocalCorrection.objects.filter(patient=patient).order_by("corrected_at", "id")
    }  # the latest correction of each field wins
    shown = []
    for number, kind in numbers:
        field = CorrectableField.MOBILE if number == patient.mobile else CorrectableField.OTHER_PHONE
        correction = corrected.get(field)
        if correction is not None and correction.value == number:
            source = f"recorded in Attend on {date_format(timezone.localtime(correction.corrected_at), 'j F Y')}"
        else:
            source = "from the trust's extract"
        shown.append(PhonePresenter(national_format(number), KIND_ON_THE_CARD[kind], source))
    if patient.mobile and (patient.sms_opt_out or patient.mobile_unusable):
        shown[0].kind = "Mobile (calls only: " + ("opted out of texts)" if patient.sms_opt_out else
                                                   "cannot receive texts)")  # fmt: skip
    return shown


class PatientCardPresenter:
    """The patient card: who to call, about what, why they are on the list, and what came before."""

    def __init__(self, task: CallTask) -> None:
        self.task = task
        self.patient = task.patient

    @property
    def name(self) -> str:
        return self.patient.display_name

    @property
    def nhs_number(self) -> str:
        return self.patient.nhs_number_display or "Not known"

    @property
    def phones(self) -> list[PhonePresenter]:
        """Every number to call, each with its kind and where it came from: the SMS mobile first,
        or for a child their parent or carer's."""
        return phones_of(self.patient, contact_first=self.is_child)

    @property
    def is_child(self) -> bool:
        about = self.about
        return about is not None and about.appointment.is_child

    @property
    def ask_for(self) -> str:
        """Who to ask for, for a child: the handler speaks to a parent or carer."""
        return f"A child: ask for {contact_label(self.patient)}" if self.is_child else ""

    @property
    def language(self) -> str:
        return language_name(self.patient.preferred_language)

    @property
    def communication_needs(self) -> list[str]:
        return self.patient.communication_need_labels

    @property
    def preferred_channel(self) -> str:
        return self.patient.get_preferred_channel_display()

    @property
    def interpreter(self) -> str:
        return "Yes" if self.patient.interpreter_required else "No"

    @cached_property
    def _upcoming(self) -> list[Appointment]:
        return list(self.task.appointments.upcoming().select_related("clinic", "site").order_by("starts_at"))

    @property
    def about(self) -> AppointmentPresenter | None:
        """The appointment the call is for: the one that put the patient on the list while it is
        still upcoming, else the next of the others the call covers."""
        upcoming = self._upcoming
        chosen = next((a for a in upcoming if a.pk == self.task.appointment_id), upcoming[0] if upcoming else None)
        return AppointmentPresenter(chosen) if chosen else None

    @property
    def other_appointments(self) -> list[AppointmentPresenter]:
        about = self.about
        return [AppointmentPresenter(a) for a in self._upcoming if about is None or a.pk != about.appointment.pk]

    @property
    def appointments(self) -> list[AppointmentPresenter]:
        return [AppointmentPresenter(a) for a in self._upcoming]

    @property
    def reasons(self) -> list[str]:
        score = getattr(self.task.appointment, "risk_score", None)
        if self.task.reason == "patient_asked":
            return ["The patient asked for a call.", *(score.reasons if score else [])]
        return list(score.reasons) if score else []

    @property
    def call_script(self) -> str:
        return self.task.appointment.clinic.call_script or (
            f"Hello, this is the outpatients team at {self.task.appointment.site.name}. "
            "I'm calling about your appointment to check you can make it and whether "
            "anything would help you get there."
        )

    @property
    def earlier_calls(self) -> list[dict[str, str]]:
        return [
            {
                "when": when(attempt.recorded_at),
                "result": attempt.get_result_display(),
                "intention": attempt.get_intention_display() if attempt.intention else "",
                "support": ", ".join(
                    f"{offer.get_support_type_display()} ({offer.get_status_display().lower()})"
                    for offer in attempt.support_offers.all()
                ),
                "by": attempt.handler.get_full_name() or attempt.handler.get_username(),
            }
            for attempt in selectors.earlier_attempts(self.task)
        ]

    @cached_property
    def _reminders_and_letters(self):
        about = self.about
        return selectors.reminders_and_letters_about(about.appointment.pk) if about else ([], [], None)

    @property
    def reminders(self) -> list[dict[str, str]]:
        """The texts and letters about the appointment the call is for, each with its state and when."""
        reminders, letters, _ = self._reminders_and_letters
        return [*(text_row(reminder) for reminder in reminders), *(letter_row(letter) for letter in letters)]

    @property
    def channels_not_used(self) -> list[str]:
        """Why the nightly plan sends this appointment no text, or no letter."""
        plan = self._reminders_and_letters[2]
        if plan is None:
            return []
        return [
            *([f"No text: {plan.why_no_text}"] if plan.why_no_text else []),
            *([f"No letter: {plan.why_no_letter}"] if plan.why_no_letter and plan.why_no_letter != "texted instead"
              else []),
        ]  # fmt: skip

    @property
    def address_not_working(self) -> str:
        patient = self.patient
        if patient.address_lines and not patient.address_works:
            return f"A letter to this address came back ({day(patient.address_returned_at)})"
        return ""

    @property
    def messages(self) -> list[dict[str, str]]:
        return [
            {"when": when(reminder.sent_at), "status": reminder.get_status_display(), "body": reminder.body}
            for reminder in selectors.messages_sent(self.task)
        ]


def at(value) -> str:
    return when(value) if value else ""


def day(value) -> str:
    return date_format(timezone.localtime(value), "j F Y") if value else ""


def text_row(reminder) -> dict[str, str]:
    """A text reminder on the card: planned (for when), sent, delivered, or why not."""
    status = reminder.status
    if status == "planned":
        state = f"planned for {when(reminder.due_at)}"
    elif status == "delivered":
        state = f"delivered {at(reminder.delivered_at or reminder.status_changed_at)}"
    elif status in ("skipped", "failed", "undelivered"):
        detail = reminder.skip_reason or reminder.error_message or reminder.error_code
        state = f"{reminder.get_status_display().lower()} {at(reminder.status_changed_at)}" + (
            f": {detail}" if detail else ""
        )
    else:
        state = f"{reminder.get_status_display().lower()} {at(reminder.sent_at or reminder.status_changed_at)}"
    return {"channel": "Text", "status": reminder.get_status_display(), "state": state.strip()}


LETTER_WORDS = {
    "sending": "being sent to Notify", "sent": "sent to Notify", "queued": "in the print batch",
    "printed": "printed", "delivered": "posted", "returned": "returned undelivered",
}  # fmt: skip


def letter_row(letter) -> dict[str, str]:
    """A letter on the card: planned (for its posting day), sent, posted, returned, or why not."""
    status = letter.status
    if status == "planned":
        state = f"planned for posting on {date_format(letter.due_on, 'j F Y')}"
    elif status in ("skipped", "failed"):
        detail = letter.skip_reason or letter.last_error
        state = f"{letter.get_status_display().lower()} {day(letter.status_changed_at)}" + (
            f": {detail}" if detail else ""
        )
    else:
        moment = letter.sent_at if status == "sent" else letter.printed_at if status == "printed" else None
        state = f"{LETTER_WORDS.get(status, status)} {day(moment or letter.status_changed_at)}"
    return {"channel": "Letter", "status": letter.get_status_display(), "state": state.strip()}


def nothing_waiting_message(counts: ListCounts) -> str:
    """What to tell a handler who asks for the next call when none can be claimed now."""
    if counts.due_later:
        when = timezone.localtime(counts.next_due_at).strftime("%H:%M")
        calls = "call is" if counts.due_later == 1 else "calls are"
        return f"No call is waiting now. {counts.due_later} {calls} due again later (the next at {when})."
    return "There are no calls waiting on your team's list right now."
