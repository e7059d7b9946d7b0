import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from calls.models import BookingRequest
from reminders.models import EarlyReceipt, InboundMessage, Reminder, ReminderStatus
from tests.reminders.conftest import make_reminder

pytestmark = pytest.mark.django_db
S = ReminderStatus
STATUS = "/webhooks/twilio/status/"
INBOUND = "/webhooks/twilio/inbound/"
PUBLIC = "https://attend.example.nhs.uk"


def sid(label: str) -> str:
    """A message SID of Twilio's shape (SM and 32 hex digits), the same for the same label."""
    return "SM" + hashlib.sha256(label.encode()).hexdigest()[:32]


def sign(url: str, params: dict, token: str = "test-auth-token") -> str:  # noqa: S107
    return RequestValidator(token).compute_signature(url, params)


def post_signed(client, path: str, params: dict, *, url: str | None = None, **extra):
    signature = sign(url or f"{PUBLIC}{path}", params)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature, **extra)


def sent_reminder(message_sid: str = sid("1")) -> Reminder:
    reminder = make_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(
        status=S.SENT, provider_message_id=message_sid, to_number=reminder.appointment.patient.mobile
    )
    return reminder


def status_of(reminder) -> str:
    return Reminder.objects.values_list("status", flat=True).get(pk=reminder.pk)


def test_a_signed_delivery_receipt_is_applied(client):
    reminder = sent_reminder()
    response = post_signed(client, STATUS, {"MessageSid": sid("1"), "MessageStatus": "delivered"})
    assert response.status_code == 200
    assert status_of(reminder) == S.DELIVERED
    assert Reminder.objects.get(pk=reminder.pk).delivered_at is not None


def test_an_unsigned_receipt_is_refused(client):
    reminder = sent_reminder()
    response = client.post(STATUS, {"MessageSid": sid("1"), "MessageStatus": "delivered"})
    assert response.status_code == 403
    assert status_of(reminder) == S.SENT


def test_a_receipt_signed_with_the_wrong_token_is_refused(client):
    reminder = sent_reminder()
    params = {"MessageSid": sid("1"), "MessageStatus": "failed"}
    response = client.post(STATUS, params, HTTP_X_TWILIO_SIGNATURE=sign(f"{PUBLIC}{STATUS}", params, "forged"))
    assert response.status_code == 403
    assert status_of(reminder) == S.SENT


def test_a_receipt_whose_parameters_were_changed_after_signing_is_refused(client):
    sent_reminder()
    signature = sign(f"{PUBLIC}{STATUS}", {"MessageSid": sid("1"), "MessageStatus": "delivered"})
    response = client.post(
        STATUS, {"MessageSid": sid("1"), "MessageStatus": "failed"}, HTTP_X_TWILIO_SIGNATURE=signature
    )
    assert response.status_code == 403


def test_behind_a_tls_proxy_the_forwarded_scheme_is_what_twilio_signed(client, settings):
    settings.ATTEND_PUBLIC_BASE_URL = ""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")  # as production sets it
    reminder = sent_reminder()
    params = {"MessageSid": sid("1"), "MessageStatus": "delivered"}
    response = post_signed(client, STATUS, params, url=f"https://testserver{STATUS}", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert status_of(reminder) == S.DELIVERED


def test_behind_a_tls_proxy_a_signature_for_another_scheme_is_refused(client, settings):
    settings.ATTEND_PUBLIC_BASE_URL = ""
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    sent_reminder()
    params = {"MessageSid": sid("1"), "MessageStatus": "delivered"}
    response = post_signed(client, STATUS, params, url=f"http://testserver{STATUS}", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 403


def test_a_receipt_for_an_unknown_message_answers_200_and_waits_for_its_id(client):
    response = post_signed(client, STATUS, {"MessageSid": sid("unknown"), "MessageStatus": "delivered"})
    assert response.status_code == 200
    assert EarlyReceipt.objects.get().provider_message_id == sid("unknown")


def test_an_early_receipt_nobody_claims_is_purged_after_the_configured_days(client, settings):
    post_signed(client, STATUS, {"MessageSid": sid("old"), "MessageStatus": "failed"})
    EarlyReceipt.objects.update(received_at=timezone.now() - timedelta(days=settings.ATTEND_SMS_EARLY_RECEIPT_DAYS + 1))
    post_signed(client, STATUS, {"MessageSid": sid("new"), "MessageStatus": "delivered"})
    assert list(EarlyReceipt.objects.values_list("provider_message_id", flat=True)) == [sid("new")]


def test_a_receipt_that_says_nothing_final_is_not_kept(client):
    post_signed(client, STATUS, {"MessageSid": sid("q"), "MessageStatus": "queued"})
    assert not EarlyReceipt.objects.exists()


def test_a_get_is_not_allowed(client):
    assert client.get(STATUS).status_code == 405


def test_duplicate_receipts_leave_the_right_final_status(client):
    reminder = sent_reminder()
    for _ in range(3):
        post_signed(client, STATUS, {"MessageSid": sid("1"), "MessageStatus": "delivered"})
    assert status_of(reminder) == S.DELIVERED


@pytest.mark.parametrize(
    ("order", "final"),
    [
        (["delivered", "sent", "queued"], S.DELIVERED),
        (["sent", "delivered", "sending"], S.DELIVERED),
        (["undelivered", "sent", "delivered"], S.UNDELIVERED),
        (["failed", "delivered"], S.FAILED),
    ],
)
def test_out_of_order_receipts_never_move_a_status_backwards(client, order, final):
    reminder = sent_reminder()
    for status in order:
        assert post_signed(client, STATUS, {"MessageSid": sid("1"), "MessageStatus": status}).status_code == 200
    assert status_of(reminder) == final


def test_a_failed_receipt_with_21610_opts_the_patient_out(client):
    reminder = sent_reminder()
    post_signed(client, STATUS, {"MessageSid": sid("1"), "MessageStatus": "failed", "ErrorCode": "21610"})
    reminder.appointment.patient.refresh_from_db()
    assert reminder.appointment.patient.sms_opt_out


def test_a_signed_inbound_text_is_kept_and_answered_with_empty_twiml(client):
    reminder = sent_reminder()
    params = {"MessageSid": sid("in1"), "From": reminder.appointment.patient.mobile, "To": "+447700900999",
              "Body": "Is there parking?"}  # fmt: skip
    response = post_signed(client, INBOUND, params)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert InboundMessage.objects.get().body == "Is there parking?"


def test_a_replayed_signed_reply_acts_once(client):
    # Twilio's signature has no timestamp, so a captured request verifies again; replaying it
    # must not put the patient on the booking team's list twice.
    reminder = sent_reminder()
    params = {"MessageSid": sid("in2"), "From": reminder.appointment.patient.mobile, "To": "+447700900999", "Body": "3"}
    for _ in range(3):
        assert post_signed(client, INBOUND, params).status_code == 200
    assert InboundMessage.objects.count() == 1
    assert BookingRequest.objects.filter(patient=reminder.appointment.patient).count() == 1


def test_an_unsigned_inbound_text_is_refused(client):
    response = client.post(INBOUND, {"MessageSid": sid("in1"), "From": "+447700900001", "Body": "STOP"})
    assert response.status_code == 403
    assert not InboundMessage.objects.exists()


@pytest.mark.parametrize("message_sid", ["SM" + "a" * 498, "", "SM1", "XX" + "0" * 32, "SM" + "g" * 32])
def test_a_signed_receipt_naming_no_well_formed_message_sid_is_refused_with_the_reason(client, message_sid):
    response = post_signed(client, STATUS, {"MessageSid": message_sid, "MessageStatus": "delivered"})
    assert response.status_code == 400
    assert b"MessageSid" in response.content
    assert not EarlyReceipt.objects.exists()


def test_a_signed_inbound_text_with_a_500_character_message_sid_is_refused_and_nothing_is_stored(client):
    params = {"MessageSid": "SM" + "a" * 498, "From": "+447700900001", "To": "+447700900999", "Body": "1"}
    response = post_signed(client, INBOUND, params)
    assert response.status_code == 400
    assert b"MessageSid" in response.content
    assert not InboundMessage.objects.exists()


def test_a_megabyte_reply_is_kept_to_its_first_1600_characters_and_says_it_was_cut(client):
    reminder = sent_reminder()
    body = "Is there parking? " + "x" * 1_000_000
    params = {"MessageSid": sid("long"), "From": reminder.appointment.patient.mobile, "To": "+447700900999",
              "Body": body}  # fmt: skip
    assert post_signed(client, INBOUND, params).status_code == 200
    reply = InboundMessage.objects.get()
    assert reply.body == body[:1600]
    assert "cut to the first 1,600 of 1,000,018 characters" in reply.outcome
