"""Which appointments get a letter reminder, and on which working day it is posted.

A patient who cannot be texted, or asked for post (reminders.planning.text_recipient gives the
reason: no mobile, opted out of SMS, a child without a carer's mobile…) and whose address Attend
holds, and no letter to it has come back, gets one
letter per appointment and start time, posted ATTEND_LETTER_DAYS_BEFORE days before it, or on
the working day before that when the day is a weekend, a bank holiday or a trust closure.
Planning runs nightly (beat, run_nightly); planning twice plans nothing new (one row per
appointment and start, enforced by the database). Whether a letter may still go is decided
again when it is sent (`letter_skip_reason`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from appointments.changes import AppointmentChanges
from appointments.models import Appointment
from appointments.working_days import TrustCalendar, trust_calendar
from config.localtime import local_zone
from letters.models import ChannelPlan, Letter, LetterStatus, LetterVariant
from letters.transitions import letters_transition
from patients.models import CommunicationNeed
from reminders.planning import PATIENT_DECEASED, appointment_skip_reason, text_recipient

NO_ADDRESS = "no postal address"
ADDRESS_RETURNED = "a letter to this address came back"
TEXTED_INSTEAD = "texted instead"
TOO_LATE_TO_POST = "booked too late for a letter to arrive"
# Second-class post takes two to three working days: a letter posted later than this many days
# before the appointment may arrive after it, so is not sent.
SHORTEST_NOTICE_DAYS = 5


def _working(day: date, calendar: TrustCalendar) -> bool:
    return day.weekday() < 5 and calendar.is_open(day)


def posting_day(starts_at: datetime, *, calendar: TrustCalendar) -> date | None:
    """The working day (Monday to Friday, not a bank holiday or trust closure) on or before the day
    ATTEND_LETTER_DAYS_BEFORE days before the appointment. An appointment booked after that day
    (or a missed night) is posted on the first working day from `calendar.first` (today) if that is
    still SHORTEST_NOTICE_DAYS before it; otherwise None: the letter could not arrive in time."""
    appointment_day = starts_at.astimezone(local_zone()).date()
    day = min(appointment_day - timedelta(days=settings.ATTEND_LETTER_DAYS_BEFORE), calendar.last)
    while day >= calendar.first:
        if _working(day, calendar):
            return day
        day -= timedelta(days=1)
    day = calendar.first
    while day <= appointment_day - timedelta(days=SHORTEST_NOTICE_DAYS):
        if _working(day, calendar):
            return day
        day += timedelta(days=1)
    return None


def letter_variant(communication_needs: str) -> str:
    """Large print or easy read when the patient's accessible-information needs say so (both:
    easy read, which is set in large type too)."""
    needs = set(communication_needs.split(","))
    if CommunicationNeed.EASY_READ in needs:
        return LetterVariant.EASY_READ
    if CommunicationNeed.LARGE_PRINT in needs:
        return LetterVariant.LARGE_PRINT
    return LetterVariant.STANDARD


@transaction.atomic
def letters_plan(*, now: datetime | None = None) -> dict[str, int]:
    """Plan a letter for each upcoming appointment whose patient cannot be texted (or asked for
    post) and has an address that works, and record for every upcoming appointment in the horizon
    why it gets no text and why no letter (`ChannelPlan`, rewritten each night). Deceased patients'
    appointments are never upcoming, so never planned. Raises BankHolidaysUnavailable (planning
    nothing) when the bank holidays cannot be read."""
    now = now or timezone.now()
    today = now.astimezone(local_zone()).date()
    # A fortnight beyond the lead, so a missed nightly run or two loses nothing.
    horizon = now + timedelta(days=settings.ATTEND_LETTER_DAYS_BEFORE + 14)
    calendar = trust_calendar(today, horizon.astimezone(local_zone()).date())
    upcoming = Appointment.objects.upcoming(now).filter(starts_at__lt=horizon)
    existing = set(
        Letter.objects.filter(appointment__in=upcoming).values_list("appointment_id", "appointment_starts_at")
    )  # fmt: skip
    new, plans = [], []
    for appointment in upcoming.select_related("patient").iterator(chunk_size=2000):
        why_no_text = text_recipient(appointment)[1]
        why_no_letter = _why_no_letter(appointment, why_no_text, calendar)
        plans.append(ChannelPlan(appointment=appointment, why_no_text=why_no_text[:100],
                                 why_no_letter=why_no_letter, planned_at=now))  # fmt: skip
        if why_no_letter or (appointment.pk, appointment.starts_at) in existing:
            continue
        patient = appointment.patient
        new.append(
            Letter(
                appointment=appointment,
                appointment_starts_at=appointment.starts_at,
                due_on=posting_day(appointment.starts_at, calendar=calendar),
                variant=letter_variant(patient.communication_needs),
                language=patient.preferred_language,
                why_letter=why_no_text[:100],
            )
        )
    Letter.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    ChannelPlan.objects.bulk_create(
        plans, batch_size=1000, update_conflicts=True, unique_fields=["appointment"],
        update_fields=["why_no_text", "why_no_letter", "planned_at"],
    )  # fmt: skip
    return {"planned": len(new)}


def _why_no_letter(appointment: Appointment, why_no_text: str, calendar: TrustCalendar) -> str:
    """Why `appointment` gets no letter ("" if it does): it is texted, there is no address or
    it came back (for a patient who asked for post and is texted for want of one, that), or it
    was booked too late for the post."""
    patient = appointment.patient
    if not why_no_text and not patient.asked_for_post:
        return TEXTED_INSTEAD
    if not patient.address_lines:
        return NO_ADDRESS
    if not patient.address_works:
        return ADDRESS_RETURNED
    if posting_day(appointment.starts_at, calendar=calendar) is None:
        return TOO_LATE_TO_POST
    return ""


def letters_follow_changed_appointments(changes: AppointmentChanges) -> dict[str, int]:
    """The importer's announcement (appointments.changes): letters not yet posted for a cancelled,
    moved or happened appointment, or a patient newly deceased, are skipped with the reason (a moved
    appointment's new letter is planned the next night)."""
    now = timezone.now()
    waiting = Letter.objects.filter(status__in=(LetterStatus.PLANNED, LetterStatus.QUEUED))
    reasons = (
        (Q(appointment_id__in=changes.cancelled_ids), "appointment cancelled"),
        (Q(appointment_id__in=changes.moved_ids), "appointment moved"),
        (Q(appointment_id__in=changes.happened_ids), "appointment has happened"),
        (Q(appointment__patient_id__in=changes.deceased_patient_ids), PATIENT_DECEASED),
    )
    skipped = sum(
        letters_transition(waiting.filter(which), to=LetterStatus.SKIPPED, now=now, skip_reason=reason)
        for which, reason in reasons
    )
    return {"letters_skipped": skipped}


def letter_skip_reason(letter: Letter, *, now: datetime) -> str:
    """Why this letter must not go now (cancelled, moved, passed, the patient deceased, no address
    any more, too close to the appointment for the post after missed runs), or "" if it may. Needs
    appointment and patient loaded."""
    appointment = letter.appointment
    reason = appointment_skip_reason(appointment, planned_start=letter.appointment_starts_at, now=now)
    if reason:
        return reason
    if not appointment.patient.address_lines:
        return NO_ADDRESS
    if not appointment.patient.address_works:
        return ADDRESS_RETURNED
    days_left = (appointment.starts_at.astimezone(local_zone()).date() - now.astimezone(local_zone()).date()).days
    if days_left < SHORTEST_NOTICE_DAYS:
        return f"too late to post: the appointment is in {days_left} days"
    return ""
