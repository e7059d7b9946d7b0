"""The GOV.UK Notify (NHS Notify) backend against Notify's HTTP API, stubbed at the requests layer
(never the internet): what a text is sent with, how Notify's errors are treated, and how a text in
flight when a worker died is found at Notify by its reference instead of being sent twice."""

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import responses
from django.core.exceptions import ImproperlyConfigured

from reminders.backends import ErrorKind, NotifyBackend, OutgoingMessage, SendError, classify_notify_error
from reminders.config import parse_notify_templates, validate_sms_settings
from reminders.models import Reminder, ReminderStatus
from reminders.sending import reminders_sweep, retry_delay
from tests.reminders.conftest import NOW, make_reminder
from tests.test_settings import GOOD, _manage

pytestmark = pytest.mark.django_db
S = ReminderStatus
SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
API_KEY = f"attend_test-{SERVICE_ID}-3d844edf-8d35-48ac-975b-e847b4f122b0"
ENGLISH = "f33517ff-2a88-4f6e-b855-c550268ce08a"
WELSH = "0b1e0b55-5b6c-4e44-9c27-0e2f3f8e7d9a"
SEND_URL = "https://api.notifications.service.gov.uk/v2/notifications/sms"
LIST_URL = "https://api.notifications.service.gov.uk/v2/notifications"
NOTIFICATION_ID = "740e5834-3a29-46b4-9a6f-16142fde533a"
LATER = NOW + timedelta(seconds=61)  # past the claim timeout set below


@pytest.fixture(autouse=True)
def _notify_settings(settings):
    settings.ATTEND_SMS_BACKEND = "notify"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_API_BASE_URL = ""
    settings.NOTIFY_SMS_SENDER_ID = ""
    settings.ATTEND_NOTIFY_SMS_TEMPLATES = json.dumps({"en": ENGLISH, "cy": WELSH})
    settings.ATTEND_SMS_CLAIM_TIMEOUT_SECONDS = 60


def accepted(notification_id: str = NOTIFICATION_ID) -> responses.Response:
    return responses.Response(
        responses.POST, SEND_URL, status=201,
        json={"id": notification_id, "reference": None, "uri": f"{LIST_URL}/{notification_id}",
              "content": {"body": "…", "from_number": "NHSTRUST"},
              "template": {"id": ENGLISH, "version": 1, "uri": "…"}},
    )  # fmt: skip


def notify_error(status: int, error: str, message: str) -> responses.Response:
    body = {"status_code": status, "errors": [{"error": error, "message": message}]}
    return responses.Response(responses.POST, SEND_URL, status=status, json=body)


def notifications(*found: dict) -> responses.Response:
    return responses.Response(
        responses.GET, LIST_URL, status=200, json={"notifications": list(found), "links": {"current": LIST_URL}}
    )


def notification(reference: str, *, created, status: str = "delivered", notification_id: str = NOTIFICATION_ID):
    return {"id": notification_id, "reference": reference, "type": "sms", "status": status,
            "phone_number": "+447700900001", "body": "…", "template": {"id": ENGLISH, "version": 1, "uri": "…"},
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}  # fmt: skip


def sent_json(call_index: int = 0) -> dict:
    return json.loads(responses.calls[call_index].request.body)


def fresh(reminder) -> Reminder:
    return Reminder.objects.get(pk=reminder.pk)


class WorkerKilled(BaseException):
    """The worker process dies here (nothing in the sweep catches a BaseException)."""


@responses.activate
def test_a_text_goes_through_the_english_template_with_the_reminder_as_body_and_reference():
    responses.add(accepted())
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=NotifyBackend())
    sent, stored = sent_json(), fresh(reminder)
    assert sent == {
        "phone_number": reminder.appointment.patient.mobile,
        "template_id": ENGLISH,
        "personalisation": {"body": stored.body},
        "reference": f"attend-reminder-{reminder.pk}",
    }
    assert (stored.status, stored.provider, stored.provider_message_id) == (S.SENT, "notify", NOTIFICATION_ID)
    assert responses.calls[0].request.headers["Authorization"].startswith("Bearer ")


@pytest.mark.parametrize(("language", "template"), [("cy", WELSH), ("pl", ENGLISH)])
@responses.activate
def test_a_text_goes_through_its_languages_template_or_english_when_that_language_has_none(language, template):
    responses.add(accepted())
    make_reminder(patient__preferred_language=language)
    reminders_sweep(now=NOW, backend=NotifyBackend())
    assert sent_json()["template_id"] == template


@responses.activate
def test_a_chosen_sender_is_named_on_every_text(settings):
    settings.NOTIFY_SMS_SENDER_ID = "8e222534-7f05-4972-86e3-17c5d9f894e2"
    responses.add(accepted())
    NotifyBackend().send(OutgoingMessage(to="+447700900001", body="hi", reminder_id=1))
    assert sent_json()["sms_sender_id"] == "8e222534-7f05-4972-86e3-17c5d9f894e2"


@responses.activate
def test_a_400_is_a_permanent_failure_and_is_not_retried():
    responses.add(notify_error(400, "BadRequestError", "Can't send to this recipient using a team-only API key"))
    reminder = make_reminder()
    backend = NotifyBackend()
    reminders_sweep(now=NOW, backend=backend)
    reminders_sweep(now=NOW + timedelta(hours=2), backend=backend)
    stored = fresh(reminder)
    assert (stored.status, stored.error_code, len(responses.calls)) == (S.FAILED, "400", 1)
    assert "team-only API key" in stored.error_message
    patient = reminder.appointment.patient
    patient.refresh_from_db()
    assert not patient.mobile_unusable  # the key, not the number, was the problem


@responses.activate
def test_a_400_about_the_phone_number_fails_and_marks_the_number_unusable():
    responses.add(notify_error(400, "ValidationError", "phone_number Not a UK mobile number"))
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=NotifyBackend())
    patient = reminder.appointment.patient
    patient.refresh_from_db()
    assert (fresh(reminder).status, patient.mobile_unusable, patient.sms_opt_out) == (S.FAILED, True, False)


@responses.activate
def test_a_403_is_a_permanent_failure():
    responses.add(notify_error(403, "AuthError", "Invalid token: API key not found"))
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=NotifyBackend())
    assert (fresh(reminder).status, fresh(reminder).error_code) == (S.FAILED, "403")


@pytest.mark.parametrize(
    ("status", "error"), [(429, "RateLimitError"), (429, "TooManyRequestsError"), (500, "Exception"), (503, "")]
)
@responses.activate
def test_a_429_or_5xx_is_retried_later_and_the_retry_sends_one_text(status, error):
    responses.add(notify_error(status, error, "try again"))
    responses.add(accepted())
    reminder = make_reminder()
    backend = NotifyBackend()
    reminders_sweep(now=NOW, backend=backend)
    assert (fresh(reminder).status, fresh(reminder).error_code) == (S.PLANNED, str(status))
    reminders_sweep(now=NOW + retry_delay(1), backend=backend)
    reminders_sweep(now=NOW + retry_delay(1) + timedelta(minutes=5), backend=backend)
    assert [call.request.method for call in responses.calls] == ["POST", "POST"]  # Notify was not asked: it said no
    assert (fresh(reminder).status, fresh(reminder).provider_message_id) == (S.SENT, NOTIFICATION_ID)


@responses.activate
def test_a_connection_never_made_is_retried_without_asking_notify():
    responses.add(responses.POST, SEND_URL, body=requests.ConnectTimeout("connect timed out"))
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=NotifyBackend())
    assert (fresh(reminder).status, fresh(reminder).error_code, fresh(reminder).handed_at) == (
        S.PLANNED,
        "network",
        None,
    )


@pytest.mark.parametrize(
    ("status", "message", "kind"),
    [(400, "phone_number Too many digits", ErrorKind.NUMBER_UNUSABLE),
     (400, "Missing personalisation: body", ErrorKind.PERMANENT),
     (403, "Invalid token: API key not found", ErrorKind.PERMANENT),
     (429, "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds", ErrorKind.TRANSIENT),
     (500, "Internal server error", ErrorKind.TRANSIENT)],
)  # fmt: skip
def test_notify_errors_are_classified(status, message, kind):
    assert classify_notify_error(status, [{"error": "E", "message": message}]) is kind


@responses.activate
def test_a_text_handed_to_notify_before_a_crash_is_found_by_its_reference_and_not_sent_again():
    def notify_takes_it_and_the_worker_dies(request):
        raise WorkerKilled

    responses.add_callback(responses.POST, SEND_URL, callback=notify_takes_it_and_the_worker_dies)
    reminder = make_reminder()
    backend = NotifyBackend()
    with pytest.raises(WorkerKilled):
        reminders_sweep(now=NOW, backend=backend)
    assert (fresh(reminder).status, fresh(reminder).handed_at) == (S.SENDING, NOW)
    reference = f"attend-reminder-{reminder.pk}"
    responses.add(notifications(notification(reference, created=NOW + timedelta(seconds=1))))
    reminders_sweep(now=LATER, backend=backend)  # takes the dead worker's claim back, then settles it
    stored = fresh(reminder)
    assert (stored.status, stored.provider_message_id, stored.sent_at) == (S.DELIVERED, NOTIFICATION_ID, NOW)
    assert [call.request.method for call in responses.calls] == ["POST", "GET"]
    asked = parse_qs(urlsplit(responses.calls[1].request.url).query)
    assert (asked["reference"], asked["template_type"]) == ([reference], ["sms"])


@responses.activate
def test_a_send_that_timed_out_before_notify_had_it_is_sent_once_after_asking():
    responses.add(responses.POST, SEND_URL, body=requests.ReadTimeout("read timed out"))
    reminder = make_reminder()
    backend = NotifyBackend()
    reminders_sweep(now=NOW, backend=backend)
    assert (fresh(reminder).status, fresh(reminder).handed_at) == (S.PLANNED, NOW)  # in doubt: ask before resending
    responses.add(notifications())
    responses.add(accepted("5f3c7b40-9f2e-4b0b-a0e4-0d8d1b0c8f11"))
    reminders_sweep(now=NOW + retry_delay(1), backend=backend)
    assert [call.request.method for call in responses.calls] == ["POST", "GET", "POST"]
    assert (fresh(reminder).status, fresh(reminder).provider_message_id) == (
        S.SENT, "5f3c7b40-9f2e-4b0b-a0e4-0d8d1b0c8f11",
    )  # fmt: skip


@responses.activate
def test_a_text_notify_has_that_failed_for_good_is_recorded_as_undelivered_not_resent():
    responses.add(responses.POST, SEND_URL, body=requests.ReadTimeout("read timed out"))
    reminder = make_reminder()
    backend = NotifyBackend()
    reminders_sweep(now=NOW, backend=backend)
    reference = f"attend-reminder-{reminder.pk}"
    responses.add(notifications(notification(reference, created=NOW, status="permanent-failure")))
    reminders_sweep(now=NOW + retry_delay(1), backend=backend)
    patient = reminder.appointment.patient
    patient.refresh_from_db()
    assert (fresh(reminder).status, fresh(reminder).error_code) == (S.UNDELIVERED, "permanent-failure")
    assert patient.mobile_unusable
    assert [call.request.method for call in responses.calls] == ["POST", "GET"]


@responses.activate
def test_a_text_with_the_same_reference_from_before_the_hand_over_is_not_ours():
    reference = "attend-reminder-7"
    responses.add(notifications(notification(reference, created=NOW - timedelta(days=3))))
    found = NotifyBackend().find_sent(OutgoingMessage(to="+447700900001", body="hi", reminder_id=7), since=NOW)
    assert found is None


@responses.activate
def test_notify_unable_to_say_is_an_error_not_a_no():
    responses.add(responses.GET, LIST_URL, status=500, json={"status_code": 500, "errors": []})
    with pytest.raises(SendError) as raised:
        NotifyBackend().find_sent(OutgoingMessage(to="+447700900001", body="hi", reminder_id=7), since=NOW)
    assert (raised.value.kind, raised.value.may_have_reached) == (ErrorKind.TRANSIENT, True)


def test_the_client_is_built_lazily_and_names_a_missing_api_key(settings):
    settings.NOTIFY_API_KEY = ""
    backend = NotifyBackend()  # nothing is checked at import or construction
    with pytest.raises(ImproperlyConfigured, match="NOTIFY_API_KEY"):
        backend.send(OutgoingMessage(to="+447700900001", body="hi", reminder_id=1))


@pytest.mark.parametrize(
    "value",
    ["", "not json", '["en"]', json.dumps({"cy": WELSH}), json.dumps({"en": "12345"}),
     json.dumps({"English": ENGLISH})],
)  # fmt: skip
def test_malformed_notify_templates_name_the_setting(settings, value):
    settings.ATTEND_NOTIFY_SMS_TEMPLATES = value
    with pytest.raises(ImproperlyConfigured, match="ATTEND_NOTIFY_SMS_TEMPLATES"):
        validate_sms_settings()


def test_notify_templates_are_only_required_with_the_notify_backend(settings):
    settings.ATTEND_SMS_BACKEND = "twilio"
    settings.ATTEND_NOTIFY_SMS_TEMPLATES = ""
    validate_sms_settings()
    assert parse_notify_templates(json.dumps({"en": ENGLISH.upper()})) == {"en": ENGLISH}


NOTIFY = {
    "ATTEND_SMS_BACKEND": "notify",
    "NOTIFY_API_KEY": API_KEY,
    "NOTIFY_CALLBACK_BEARER_TOKEN": "x" * 40,
    "ATTEND_NOTIFY_SMS_TEMPLATES": json.dumps({"en": ENGLISH}),
}


@pytest.mark.parametrize("missing", ["NOTIFY_API_KEY", "NOTIFY_CALLBACK_BEARER_TOKEN", "ATTEND_NOTIFY_SMS_TEMPLATES"])
def test_production_with_notify_names_a_missing_setting(missing):
    result = _manage(["check"], {**GOOD, **{k: v for k, v in NOTIFY.items() if k != missing}})
    assert result.returncode != 0 and f"Missing required setting {missing}" in result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [("NOTIFY_API_KEY", SERVICE_ID), ("NOTIFY_CALLBACK_BEARER_TOKEN", "short"),
     ("ATTEND_NOTIFY_SMS_TEMPLATES", '{"cy": "x"}')],
)  # fmt: skip
def test_production_with_notify_names_a_malformed_setting(name, value):
    result = _manage(["check"], {**GOOD, **NOTIFY, name: value})
    assert result.returncode != 0 and f"Malformed setting {name}" in result.stderr


def test_production_with_notify_starts_when_configured():
    result = _manage(["check"], {**GOOD, **NOTIFY})
    assert result.returncode == 0, result.stderr
