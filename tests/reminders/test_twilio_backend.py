"""The Twilio backend against Twilio's HTTP API, stubbed at the requests layer (never the internet)."""

import json
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured

from reminders.backends import ErrorKind, OutgoingMessage, SendError, TwilioBackend, classify_twilio_error
from reminders.models import EarlyReceipt, Reminder, ReminderStatus
from reminders.optouts import patients_mark_number_unusable
from reminders.receipts import delivery_receipt_record
from reminders.sending import reminders_sweep, retry_delay
from tests.reminders.conftest import NOW, make_reminder

pytestmark = pytest.mark.django_db
S = ReminderStatus
ACCOUNT = "AC" + "0" * 32
MESSAGES_URL = f"https://api.twilio.com/2010-04-01/Accounts/{ACCOUNT}/Messages.json"


def created(sid: str = "SM" + "a" * 32) -> responses.Response:
    return responses.Response(
        responses.POST, MESSAGES_URL, status=201,
        json={"sid": sid, "status": "accepted", "account_sid": ACCOUNT, "body": "", "to": "", "num_segments": "1"},
    )  # fmt: skip


def error(status: int, code: int | None = None) -> responses.Response:
    body = {"status": status, "message": "error", "more_info": "https://www.twilio.com/docs/errors"}
    if code is not None:
        body["code"] = code
    return responses.Response(responses.POST, MESSAGES_URL, status=status, json=body)


def fresh(reminder) -> Reminder:
    return Reminder.objects.get(pk=reminder.pk)


@responses.activate
def test_a_message_goes_through_the_messaging_service_with_a_status_callback():
    responses.add(created("SM123"))
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=TwilioBackend())
    sent = parse_qs(responses.calls[0].request.body)
    assert sent["MessagingServiceSid"] == ["MG" + "1" * 32]
    assert sent["To"] == [reminder.appointment.patient.mobile]
    assert sent["StatusCallback"] == ["https://attend.example.nhs.uk/webhooks/twilio/status/"]
    assert (fresh(reminder).status, fresh(reminder).provider_message_id, fresh(reminder).provider) == (
        S.SENT, "SM123", "twilio",
    )  # fmt: skip


@responses.activate
def test_a_from_number_is_used_when_there_is_no_messaging_service(settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_FROM_NUMBER = "+447700900999"
    responses.add(created())
    TwilioBackend().send(OutgoingMessage(to="+447700900001", body="hi"))
    assert parse_qs(responses.calls[0].request.body)["From"] == ["+447700900999"]


@responses.activate
def test_twilio_answering_500_then_201_sends_one_message():
    responses.add(error(500))
    responses.add(created("SM500"))
    reminder = make_reminder()
    backend = TwilioBackend()
    reminders_sweep(now=NOW, backend=backend)
    assert fresh(reminder).status == S.PLANNED
    reminders_sweep(now=NOW + retry_delay(1), backend=backend)
    reminders_sweep(now=NOW + retry_delay(1) + timedelta(minutes=5), backend=backend)
    assert len(responses.calls) == 2
    assert (fresh(reminder).status, fresh(reminder).provider_message_id) == (S.SENT, "SM500")


@responses.activate
def test_rate_limited_429_is_retried():
    responses.add(error(429, 20429))
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=TwilioBackend())
    assert (fresh(reminder).status, fresh(reminder).error_code) == (S.PLANNED, "20429")


@responses.activate
def test_a_network_error_is_retried():
    responses.add(responses.POST, MESSAGES_URL, body=requests.ConnectionError("connection reset"))
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=TwilioBackend())
    assert (fresh(reminder).status, fresh(reminder).error_code) == (S.PLANNED, "network")


@responses.activate
def test_21610_marks_the_patient_opted_out_and_is_not_retried():
    responses.add(error(400, 21610))
    reminder = make_reminder()
    backend = TwilioBackend()
    reminders_sweep(now=NOW, backend=backend)
    reminders_sweep(now=NOW + timedelta(hours=2), backend=backend)
    patient = reminder.appointment.patient
    patient.refresh_from_db()
    assert (fresh(reminder).status, fresh(reminder).error_code) == (S.FAILED, "21610")
    assert patient.sms_opt_out and patient.sms_opt_out_at is not None
    assert len(responses.calls) == 1


@pytest.mark.parametrize("code", [21211, 21614, 21635])
@responses.activate
def test_an_unusable_number_is_marked_and_not_retried(code):
    responses.add(error(400, code))
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=TwilioBackend())
    patient = reminder.appointment.patient
    patient.refresh_from_db()
    assert (fresh(reminder).status, patient.mobile_unusable, patient.sms_opt_out) == (S.FAILED, True, False)


def test_an_unusable_number_report_about_an_old_number_leaves_the_new_number_alone():
    reminder = make_reminder()
    patient = reminder.appointment.patient
    # The patient's number changed between the send and the error being recorded.
    type(patient).objects.filter(pk=patient.pk).update(mobile="+447700900777")
    patients_mark_number_unusable(e164="+447700900001")
    patient.refresh_from_db()
    assert not patient.mobile_unusable


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "21610", ErrorKind.OPTED_OUT),
        (400, "21211", ErrorKind.NUMBER_UNUSABLE),
        (400, "21614", ErrorKind.NUMBER_UNUSABLE),
        (400, "21635", ErrorKind.NUMBER_UNUSABLE),
        (429, "20429", ErrorKind.TRANSIENT),
        (503, "", ErrorKind.TRANSIENT),
        (None, "", ErrorKind.TRANSIENT),
        (400, "21408", ErrorKind.PERMANENT),
    ],
)
def test_twilio_errors_are_classified(status, code, kind):
    assert classify_twilio_error(status, code) is kind


def test_the_client_is_built_lazily_and_names_a_missing_setting(settings):
    settings.TWILIO_AUTH_TOKEN = ""
    backend = TwilioBackend()  # no error yet: nothing is sent at import or construction
    with pytest.raises(ImproperlyConfigured, match="TWILIO_AUTH_TOKEN"):
        backend.send(OutgoingMessage(to="+447700900001", body="hi"))


@responses.activate
def test_send_error_carries_the_twilio_code():
    responses.add(error(400, 21610))
    with pytest.raises(SendError) as raised:
        TwilioBackend().send(OutgoingMessage(to="+447700900001", body="hi"))
    assert (raised.value.kind, raised.value.code) == (ErrorKind.OPTED_OUT, "21610")


@responses.activate
def test_a_receipt_that_beats_the_api_answer_is_applied_once_the_id_is_recorded():
    def twilio_calls_back_first(request):
        # Twilio's "delivered" callback lands while its answer to our POST is still on the wire.
        delivery_receipt_record(provider_message_id="SMfast", provider_status="delivered")
        return 201, {}, json.dumps({"sid": "SMfast", "status": "accepted", "account_sid": ACCOUNT, "body": ""})

    responses.add_callback(responses.POST, MESSAGES_URL, callback=twilio_calls_back_first)
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=TwilioBackend())
    assert (fresh(reminder).status, fresh(reminder).provider_message_id) == (S.DELIVERED, "SMfast")
    assert not EarlyReceipt.objects.exists()


def twilio_message(sid: str, to: str, body: str, created) -> dict:
    return {"sid": sid, "to": to, "body": body, "status": "delivered", "account_sid": ACCOUNT,
            "date_created": created.strftime("%a, %d %b %Y %H:%M:%S +0000"), "num_segments": "1"}  # fmt: skip


def messages_list(*messages: dict) -> responses.Response:
    return responses.Response(
        responses.GET, MESSAGES_URL, status=200,
        json={"messages": list(messages), "next_page_uri": None, "previous_page_uri": None, "page": 0,
              "page_size": 20, "start": 0, "end": len(messages), "uri": "/x", "first_page_uri": "/x"},
    )  # fmt: skip


@responses.activate
def test_twilio_is_asked_for_a_message_by_its_recipient_text_and_time():
    to, body = "+447700900001", "Hello Alex, this is a reminder"
    responses.add(messages_list(
        twilio_message("SMold", to, body, NOW - timedelta(days=5)),  # the same text, days before: another send
        twilio_message("SMother", to, "Another text", NOW + timedelta(seconds=1)),
        twilio_message("SMours", to, body, NOW + timedelta(seconds=1)),
    ))  # fmt: skip
    found = TwilioBackend().find_sent(OutgoingMessage(to=to, body=body), since=NOW)
    assert (found.message_id, found.status) == ("SMours", "delivered")
    assert parse_qs(responses.calls[0].request.url.split("?", 1)[1])["To"] == [to]


@responses.activate
def test_twilio_without_the_message_says_so():
    responses.add(messages_list())
    assert TwilioBackend().find_sent(OutgoingMessage(to="+447700900001", body="hi"), since=NOW) is None


@responses.activate
def test_a_send_that_timed_out_after_reaching_twilio_is_found_there_not_sent_again():
    responses.add(responses.POST, MESSAGES_URL, body=requests.ReadTimeout("read timed out"))
    reminder = make_reminder()
    backend = TwilioBackend()
    reminders_sweep(now=NOW, backend=backend)
    assert (fresh(reminder).status, fresh(reminder).handed_at) == (S.PLANNED, NOW)  # in doubt: asked next time
    body = fresh(reminder).body
    responses.add(messages_list(twilio_message("SMlate", fresh(reminder).to_number, body, NOW)))
    reminders_sweep(now=NOW + retry_delay(1), backend=backend)
    assert (fresh(reminder).status, fresh(reminder).provider_message_id) == (S.DELIVERED, "SMlate")
    assert [call.request.method for call in responses.calls] == ["POST", "GET"]


@responses.activate
def test_a_send_that_timed_out_before_reaching_twilio_is_sent_again_after_asking():
    responses.add(responses.POST, MESSAGES_URL, body=requests.ReadTimeout("read timed out"))
    reminder = make_reminder()
    backend = TwilioBackend()
    reminders_sweep(now=NOW, backend=backend)
    responses.add(messages_list())
    responses.add(created("SMagain"))
    reminders_sweep(now=NOW + retry_delay(1), backend=backend)
    assert (fresh(reminder).status, fresh(reminder).provider_message_id) == (S.SENT, "SMagain")
    assert [call.request.method for call in responses.calls] == ["POST", "GET", "POST"]
