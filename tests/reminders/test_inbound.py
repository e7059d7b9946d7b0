import pytest

from calls.models import BookingRequest, CallTask
from reminders.inbound import classify, inbound_record
from reminders.models import InboundAction, InboundMessage, Reminder, ReminderStatus
from tests.reminders.conftest import NOW, make_reminder
from tests.support.factories import AppointmentFactory, PatientFactory, TeamFactory

pytestmark = pytest.mark.django_db
A = InboundAction


def texted(patient=None, **kwargs) -> Reminder:
    """A patient who has been sent a reminder for an upcoming appointment."""
    from datetime import timedelta

    from django.utils import timezone

    reminder = make_reminder(
        patient=patient or PatientFactory(), starts_at=timezone.now() + timedelta(days=2), **kwargs
    )
    Reminder.objects.filter(pk=reminder.pk).update(
        status=ReminderStatus.SENT, to_number=reminder.appointment.patient.mobile, sent_at=NOW
    )
    return Reminder.objects.select_related("appointment__patient").get(pk=reminder.pk)


def reply(body: str, from_number: str, sid: str = "SMx") -> InboundMessage:
    return inbound_record(provider_message_id=sid, from_number=from_number, body=body)


@pytest.mark.parametrize(
    ("body", "action"),
    [
        ("STOP", A.OPT_OUT), ("stop", A.OPT_OUT), (" Stop. ", A.OPT_OUT), ("UNSUBSCRIBE", A.OPT_OUT),
        ("CANCEL", A.OPT_OUT), ("END", A.OPT_OUT), ("QUIT", A.OPT_OUT), ("STOPALL", A.OPT_OUT),
        ("START", A.OPT_IN), ("unstop", A.OPT_IN), ("YES", A.OPT_IN), ("HELP", A.HELP),
        ("1", A.WILL_ATTEND), ("2", A.CALL_ME), ("3.", A.CANCEL_OR_REBOOK),
        ("4", A.FOR_TEAM_LEAD), ("12", A.FOR_TEAM_LEAD), ("please stop texting my mum", A.FOR_TEAM_LEAD),
        ("", A.FOR_TEAM_LEAD),
    ],
)  # fmt: skip
def test_replies_are_classified(body, action):
    assert classify(body) == action


def test_stop_opts_the_patient_out_in_attend():
    reminder = texted()
    reply("STOP", reminder.to_number)
    patient = reminder.appointment.patient
    patient.refresh_from_db()
    assert patient.sms_opt_out and patient.sms_opt_out_at is not None


def test_start_opts_the_patient_back_in():
    reminder = texted(patient=PatientFactory(sms_opt_out=True))
    reply("START", reminder.to_number)
    reminder.appointment.patient.refresh_from_db()
    assert not reminder.appointment.patient.sms_opt_out


@pytest.mark.parametrize("carrier_form", ["447700900123", "+44 7700 900123", "07700900123"])
def test_the_sender_is_matched_in_e164_whatever_form_the_carrier_sends(carrier_form):
    reminder = texted(patient=PatientFactory(mobile="+447700900123"))
    message = reply("STOP", carrier_form)
    reminder.appointment.patient.refresh_from_db()
    assert (message.from_e164, message.patient, reminder.appointment.patient.sms_opt_out) == (
        "+447700900123", reminder.appointment.patient, True,
    )  # fmt: skip


def test_reply_1_records_the_confirmation():
    reminder = texted()
    message = reply("1", reminder.to_number)
    assert (message.action, message.reminder) == (A.WILL_ATTEND, reminder)


def test_reply_2_puts_the_patient_on_the_call_list():
    TeamFactory()
    reminder = texted()
    message = reply("2", reminder.to_number)
    task = CallTask.objects.get()
    assert (message.action, task.patient, task.reason) == (A.CALL_ME, reminder.appointment.patient, "patient_asked")


def test_reply_3_puts_the_patient_on_the_booking_teams_list():
    reminder = texted()
    message = reply("3", reminder.to_number)
    request = BookingRequest.objects.get()
    assert (message.action, request.patient, request.appointment, request.source) == (
        A.CANCEL_OR_REBOOK, reminder.appointment.patient, reminder.appointment, "sms",
    )  # fmt: skip


def test_anything_else_is_kept_for_a_team_lead():
    reminder = texted()
    message = reply("Can my daughter come with me?", reminder.to_number)
    assert (message.action, message.read_at, message.patient) == (A.FOR_TEAM_LEAD, None, reminder.appointment.patient)


def test_a_shared_family_number_reaches_the_patient_who_was_texted():
    first = PatientFactory(mobile="+447700900555")
    second = PatientFactory(mobile="+447700900555")
    AppointmentFactory(patient=first)
    texted(patient=second)
    message = reply("3", "+447700900555")
    assert message.patient == second
    assert BookingRequest.objects.get().patient == second


def test_a_numbered_reply_from_a_shared_number_nobody_was_texted_on_goes_to_a_team_lead():
    PatientFactory(mobile="+447700900556")
    PatientFactory(mobile="+447700900556")
    message = reply("2", "+447700900556")
    assert (message.action, message.patient) == (A.FOR_TEAM_LEAD, None)
    assert not CallTask.objects.exists()


def test_a_reply_from_an_unknown_number_is_kept():
    message = reply("2", "+447700900999")
    assert (message.action, message.patient, message.from_e164) == (A.FOR_TEAM_LEAD, None, "+447700900999")


def test_the_same_inbound_message_delivered_twice_acts_once():
    reminder = texted()
    reply("3", reminder.to_number, sid="SMdup")
    reply("3", reminder.to_number, sid="SMdup")
    assert (InboundMessage.objects.count(), BookingRequest.objects.count()) == (1, 1)


def test_reply_2_without_an_upcoming_appointment_goes_to_a_team_lead():
    TeamFactory()
    patient = PatientFactory(mobile="+447700900557")
    message = reply("2", "+447700900557")
    assert (message.action, message.patient) == (A.FOR_TEAM_LEAD, patient)
    assert "asked for a call" in message.outcome


def test_an_opt_out_is_written_to_the_audit_trail():
    from audit.models import AuditEvent

    reminder = texted()
    reply("STOP", reminder.to_number)
    event = AuditEvent.objects.for_target(reminder.appointment.patient).get()
    assert (event.actor_label, event.changes) == ("sms", {"sms_opt_out": ["False", "True"]})
