"""A child's reminders go to their parent or carer's mobile, in words meant for the carer; a
child with no carer mobile gets no text at all (never one to the child's own phone)."""

from datetime import date

import pytest

from reminders.inbound import inbound_record
from reminders.models import InboundMessage, OutboxMessage, Reminder, ReminderStatus
from reminders.sending import reminders_sweep
from tests.reminders.conftest import NOW, make_reminder
from tests.support.factories import PatientFactory

pytestmark = pytest.mark.django_db
CARER = "+447700900555"


def child(**changes):
    values = {
        "given_name": "Mia", "date_of_birth": date(2015, 3, 1), "mobile": "+447700900111",
        "contact_name": "Sam Jones", "contact_relationship": "mother", "contact_phone": CARER,
    }  # fmt: skip
    return PatientFactory(**{**values, **changes})


def test_a_childs_reminder_goes_to_the_carers_mobile_in_the_carers_words():
    reminder = make_reminder(patient=child())
    reminders_sweep(now=NOW)
    outbox = OutboxMessage.objects.get()
    assert outbox.to_number == CARER
    assert outbox.body.startswith("Hello Sam Jones, this is a reminder of Mia's hospital appointment on")
    assert Reminder.objects.get(pk=reminder.pk).to_number == CARER


def test_a_16_year_old_is_texted_on_their_own_mobile(settings):
    settings.ATTEND_CHILD_AGE_UNDER = 16
    make_reminder(patient=child(date_of_birth=date(2010, 6, 1)))  # 16 on 12 June 2026
    reminders_sweep(now=NOW)
    assert OutboxMessage.objects.get().to_number == "+447700900111"


@pytest.mark.parametrize(
    ("carer_phone", "reason"),
    [
        ("", "a child: no parent or carer number"),
        ("+441132432799", "a child: the parent or carer number is not a mobile"),
    ],
)
def test_a_child_without_a_carer_mobile_gets_no_text_not_even_on_their_own_phone(carer_phone, reason):
    reminder = make_reminder(patient=child(contact_phone=carer_phone))
    reminders_sweep(now=NOW)
    assert not OutboxMessage.objects.exists()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.skip_reason) == (ReminderStatus.SKIPPED, reason)


def test_the_carer_texting_stop_ends_the_childs_texts_and_their_reply_is_the_childs():
    patient = child()
    make_reminder(patient=patient)
    reminders_sweep(now=NOW)
    message = inbound_record(provider_message_id="SM1", from_number=CARER, body="STOP")
    patient.refresh_from_db()
    assert patient.sms_opt_out
    assert InboundMessage.objects.get(pk=message.pk).patient_id == patient.pk
