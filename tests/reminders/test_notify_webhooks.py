"""Notify's delivery receipts: its callback, with the bearer token the trust set on it, moves a
reminder to delivered, undelivered or failed; anything without that token is refused."""

import json

import pytest
import responses

from reminders.backends import NotifyBackend
from reminders.models import EarlyReceipt, Reminder, ReminderStatus
from reminders.sending import reminders_sweep
from tests.reminders.conftest import NOW, make_reminder
from tests.reminders.test_notify_backend import SEND_URL, _notify_settings  # noqa: F401  (autouse fixture)

pytestmark = pytest.mark.django_db
S = ReminderStatus
STATUS = "/webhooks/notify/status/"
TOKEN = "Vd1n7y0Hq2Kc8Zp3Rm5Tx9Lw4Bs6Fj0Ge2Ua7Ni"
NOTIFICATION_ID = "be35a5a6-1d1e-4a2f-8b0c-0f9c5c0a4d11"


@pytest.fixture(autouse=True)
def _callback_token(settings):
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = TOKEN


def receipt(status: str, notification_id: str = NOTIFICATION_ID, reference: str = "attend-reminder-1") -> dict:
    """Notify's callback body for a text (its documented fields)."""
    return {
        "id": notification_id, "reference": reference, "to": "07700900001", "status": status,
        "created_at": "2026-06-10T09:00:01.000000Z", "completed_at": "2026-06-10T09:00:09.000000Z",
        "sent_at": "2026-06-10T09:00:02.000000Z", "notification_type": "sms",
        "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a", "template_version": 1,
    }  # fmt: skip


def post(client, body, *, token: str | None = TOKEN, **extra):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post(STATUS, data, content_type="application/json", **headers, **extra)


def sent_reminder(notification_id: str = NOTIFICATION_ID) -> Reminder:
    reminder = make_reminder()
    Reminder.objects.filter(pk=reminder.pk).update(
        status=S.SENT, provider="notify", provider_message_id=notification_id,
        to_number=reminder.appointment.patient.mobile,
    )  # fmt: skip
    return reminder


def fresh(reminder) -> Reminder:
    return Reminder.objects.get(pk=reminder.pk)


def test_a_delivered_receipt_with_the_right_token_moves_the_reminder_to_delivered(client):
    reminder = sent_reminder()
    response = post(client, receipt("delivered"))
    assert response.status_code == 200
    assert (fresh(reminder).status, fresh(reminder).delivered_at is not None) == (S.DELIVERED, True)


def test_a_permanent_failure_is_undelivered_and_marks_the_number_unusable(client):
    reminder = sent_reminder()
    assert post(client, receipt("permanent-failure")).status_code == 200
    patient = reminder.appointment.patient
    patient.refresh_from_db()
    assert (fresh(reminder).status, fresh(reminder).error_code) == (S.UNDELIVERED, "permanent-failure")
    assert (patient.mobile_unusable, patient.sms_opt_out) == (True, False)


def test_a_temporary_failure_is_undelivered_and_leaves_the_number_usable(client):
    reminder = sent_reminder()
    assert post(client, receipt("temporary-failure")).status_code == 200
    patient = reminder.appointment.patient
    patient.refresh_from_db()
    assert (fresh(reminder).status, fresh(reminder).error_code, patient.mobile_unusable) == (
        S.UNDELIVERED, "temporary-failure", False,
    )  # fmt: skip


def test_a_technical_failure_is_failed(client):
    reminder = sent_reminder()
    assert post(client, receipt("technical-failure")).status_code == 200
    assert (fresh(reminder).status, fresh(reminder).error_code) == (S.FAILED, "technical-failure")


@pytest.mark.parametrize("status", ["created", "sending", "pending", "sent"])
def test_a_receipt_before_the_end_moves_nothing(client, status):
    reminder = sent_reminder()
    assert post(client, receipt(status)).status_code == 200
    assert fresh(reminder).status == S.SENT


def test_a_late_sending_receipt_never_undoes_delivered(client):
    reminder = sent_reminder()
    post(client, receipt("delivered"))
    post(client, receipt("sending"))
    assert fresh(reminder).status == S.DELIVERED


def test_a_receipt_without_a_bearer_token_is_refused_with_401(client):
    reminder = sent_reminder()
    response = post(client, receipt("delivered"), token=None)
    assert (response.status_code, response["WWW-Authenticate"]) == (401, "Bearer")
    assert fresh(reminder).status == S.SENT


@pytest.mark.parametrize("token", ["wrong-token", TOKEN[:-1], TOKEN + "x"])
def test_a_receipt_with_the_wrong_token_is_refused_with_403(client, token):
    reminder = sent_reminder()
    assert post(client, receipt("delivered"), token=token).status_code == 403
    assert fresh(reminder).status == S.SENT


def test_with_no_token_configured_every_receipt_is_refused(client, settings):
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = ""
    reminder = sent_reminder()
    assert post(client, receipt("delivered"), token="").status_code == 401
    assert post(client, receipt("delivered"), token="anything").status_code == 403
    assert fresh(reminder).status == S.SENT


def test_a_receipt_for_an_unknown_id_answers_200_so_notify_stops_retrying(client):
    sent_reminder()
    response = post(client, receipt("delivered", notification_id="0d6b4d3f-52a0-4f4d-9d6e-6a8c0f7d7e21"))
    assert response.status_code == 200
    assert Reminder.objects.filter(status=S.DELIVERED).count() == 0


@pytest.mark.parametrize(
    "body", ["not json", "[]", json.dumps({"status": "delivered"}), json.dumps(receipt("delivered", "SM123")),
             json.dumps({"id": NOTIFICATION_ID, "status": None})],
)  # fmt: skip
def test_a_malformed_receipt_is_refused_with_400_and_changes_nothing(client, body):
    reminder = sent_reminder()
    assert post(client, body).status_code == 400
    assert (fresh(reminder).status, EarlyReceipt.objects.count()) == (S.SENT, 0)


def test_the_callback_takes_only_post(client):
    response = client.get(STATUS, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 405


@responses.activate
def test_a_receipt_that_beats_notifys_answer_is_applied_once_the_id_is_recorded(client):
    def notify_calls_back_first(request):
        # Notify's "delivered" callback lands while its answer to our POST is still on the wire.
        assert post(client, receipt("delivered")).status_code == 200
        return 201, {}, json.dumps({"id": NOTIFICATION_ID, "reference": None, "content": {}, "template": {}})

    responses.add_callback(responses.POST, SEND_URL, callback=notify_calls_back_first)
    reminder = make_reminder()
    reminders_sweep(now=NOW, backend=NotifyBackend())
    assert (fresh(reminder).status, fresh(reminder).provider_message_id) == (S.DELIVERED, NOTIFICATION_ID)
    assert not EarlyReceipt.objects.exists()
