"""Texts patients send back, and what Attend does with each.

- STOP and the rest of Twilio's opt-out family: the patient is opted out in Attend too
  (Twilio has already blocked the number; this keeps the two in step). START opts back in.
- "1" I will attend, "2" please call me / I need help to attend (the call list),
  "3" I need to cancel or rebook (the booking team's list). Numbers, because a bare
  CANCEL is an opt-out keyword on long codes.
- Anything else is kept for a team lead to read.

A reply is matched to the reminder last sent to that number (in E.164, whatever form
the carrier wrote it in), so a number shared in a family reaches the patient who was
texted; if no reminder went to it, only a number that belongs to exactly one patient
is acted on.

A body is stored up to MAX_BODY_CHARS (Twilio joins a long text into at most 1,600
characters, ten segments); anything longer is cut there and the outcome says so, so the
patient's words are kept without a signed sender filling the database.
"""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from patients.identifiers import parse_phone
from patients.models import Patient
from reminders.models import InboundAction, InboundMessage, Reminder, ReminderStatus
from reminders.optouts import patients_opt_in, patients_opt_out
from reminders.replies import RequestNotActioned, patient_request_act

# Twilio's default opt-out, opt-in and help keywords (whole message, any case).
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
START_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
NUMBERED = {"1": InboundAction.WILL_ATTEND, "2": InboundAction.CALL_ME, "3": InboundAction.CANCEL_OR_REBOOK}

SENT_STATUSES = (ReminderStatus.SENT, ReminderStatus.DELIVERED, ReminderStatus.UNDELIVERED)
MAX_BODY_CHARS = 1600


def classify(body: str) -> InboundAction:
    word = re.sub(r"[\s.!]+$", "", (body or "").strip()).upper()
    if word in STOP_WORDS:
        return InboundAction.OPT_OUT
    if word in START_WORDS:
        return InboundAction.OPT_IN
    if word in HELP_WORDS:
        return InboundAction.HELP
    return NUMBERED.get(word, InboundAction.FOR_TEAM_LEAD)


def normalise_sender(raw: str) -> str:
    try:
        return parse_phone(raw).e164
    except ValueError:
        return ""


def _answering(e164: str) -> tuple[Reminder | None, Patient | None]:
    if not e164:
        return None, None
    reminder = (
        Reminder.objects.filter(to_number=e164, status__in=SENT_STATUSES)
        .select_related("appointment__patient")
        .order_by("-sent_at", "-pk")
        .first()
    )
    if reminder is not None and e164 in (
        reminder.appointment.patient.mobile,
        reminder.appointment.patient.contact_phone,
    ):
        return reminder, reminder.appointment.patient  # the patient, or a child's parent or carer
    patients = list(Patient.objects.filter(mobile=e164)[:2])
    return None, patients[0] if len(patients) == 1 else None


def inbound_record(
    *, provider_message_id: str, from_number: str, to_number: str = "", body: str = ""
) -> InboundMessage:
    """Keep one inbound text and act on it; a provider's retry of the same message does nothing more."""
    existing = InboundMessage.objects.filter(provider_message_id=provider_message_id).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return _record_and_act(provider_message_id, from_number, to_number, body)
    except IntegrityError:  # the same message, recorded by a concurrent retry
        return InboundMessage.objects.get(provider_message_id=provider_message_id)


def _record_and_act(provider_message_id: str, from_number: str, to_number: str, body: str) -> InboundMessage:
    e164 = normalise_sender(from_number)
    reminder, patient = _answering(e164)
    action = classify(body)
    action, outcome = _act(action, e164=e164, patient=patient, reminder=reminder)
    if len(body) > MAX_BODY_CHARS:
        cut = f"text cut to the first {MAX_BODY_CHARS:,} of {len(body):,} characters"
        body, outcome = body[:MAX_BODY_CHARS], f"{outcome}; {cut}" if outcome else cut
    return InboundMessage.objects.create(
        provider_message_id=provider_message_id, from_number=from_number[:32], from_e164=e164,
        to_number=to_number[:32], body=body, patient=patient, reminder=reminder, action=action, outcome=outcome[:200],
    )  # fmt: skip


def _act(action: InboundAction, *, e164: str, patient, reminder) -> tuple[InboundAction, str]:
    if action == InboundAction.OPT_OUT:
        return action, f"opted out {patients_opt_out(e164=e164, now=timezone.now())} patient(s)"
    if action == InboundAction.OPT_IN:
        return action, f"opted back in {patients_opt_in(e164=e164)} patient(s)"
    if action == InboundAction.HELP:
        return action, "the provider answered with its help text"
    if action == InboundAction.FOR_TEAM_LEAD:
        return action, ""
    if patient is None:
        return InboundAction.FOR_TEAM_LEAD, f"reply {action.label[:1]} from a number that matches no single patient"
    if action == InboundAction.WILL_ATTEND:
        return action, "patient confirmed they will attend"
    appointment = reminder.appointment if reminder is not None else None
    if appointment is not None and appointment.attendance_code != 0:
        appointment = None
    try:
        with transaction.atomic():
            return action, patient_request_act(action, patient=patient, appointment=appointment)
    except RequestNotActioned as exc:
        return InboundAction.FOR_TEAM_LEAD, str(exc)
