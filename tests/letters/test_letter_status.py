"""A letter's status after it has gone, as a text's: Notify's letter receipts on the same
bearer-token callback (stubbed at the HTTP layer with `responses` for the send, never the
internet), and returned letters (Notify's callback or a CSV the post room uploads) mark the
letter returned and the address as not working."""

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import responses
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AuditEvent
from letters.models import ChannelPlan, Letter, LetterStatus
from letters.planning import letters_plan
from letters.sending import letters_send_due
from patients.models import Patient
from tests.letters.test_letters import (  # noqa: F401  (autouse fixture)
    NOTIFICATION_ID,
    POSTING_DAY,
    SEND_URL,
    _appointment,
    _letter_settings,
    _notify_created,
)
from tests.support.factories import UserFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=LONDON)
STATUS_URL = "/webhooks/notify/status/"
TOKEN = "Vd1n7y0Hq2Kc8Zp3Rm5Tx9Lw4Bs6Fj0Ge2Ua7Ni"


@pytest.fixture(autouse=True)
def _callback_token(settings):
    settings.NOTIFY_CALLBACK_BEARER_TOKEN = TOKEN


@pytest.fixture
def sent_letter():
    appointment = _appointment()
    letters_plan(now=NOW)
    with responses.RequestsMock() as stub:
        stub.post(SEND_URL, json=_notify_created(Letter.objects.get().pk), status=201)
        letters_send_due(now=POSTING_DAY)
    letter = Letter.objects.get()
    assert (letter.status, letter.provider_id) == (LetterStatus.SENT, NOTIFICATION_ID)
    return appointment, letter


def _receipt(status, *, notification_id=NOTIFICATION_ID, reference="attend-letter-1"):
    return {"id": notification_id, "reference": reference, "status": status, "notification_type": "letter",
            "created_at": "2026-06-12T09:00:01.000000Z", "completed_at": None, "sent_at": None,
            "template_id": "f33517ff-2a88-4f6e-b855-c550268ce08a", "template_version": 1,
            "to": "Ada Lovelace"}  # fmt: skip


def _post(client, body, token=TOKEN):
    return client.post(
        STATUS_URL, json.dumps(body), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("accepted", LetterStatus.SENT),
        ("received", LetterStatus.DELIVERED),
        ("cancelled", LetterStatus.FAILED),
        ("technical-failure", LetterStatus.FAILED),
        ("permanent-failure", LetterStatus.FAILED),
        ("validation-failed", LetterStatus.FAILED),
    ],
)
def test_notifys_letter_receipt_on_the_texts_callback_moves_the_letter(client, sent_letter, status, expected):
    _, letter = sent_letter
    response = _post(client, _receipt(status, reference=f"attend-letter-{letter.pk}"))
    assert response.status_code == 200
    letter.refresh_from_db()
    assert (letter.status, letter.provider_status) == (expected, status)
    if expected == LetterStatus.FAILED:
        assert letter.last_error == f"Notify: {status}"


def test_a_letter_receipt_without_the_bearer_token_moves_nothing(client, sent_letter):
    _, letter = sent_letter
    assert _post(client, _receipt("received"), token="wrong").status_code == 403
    letter.refresh_from_db()
    assert letter.status == LetterStatus.SENT


def test_a_receipt_for_a_letter_attend_does_not_know_answers_200(client):
    unknown = "0c4d5c6a-7b8e-4f90-a1b2-c3d4e5f60718"
    assert (
        _post(client, _receipt("received", notification_id=unknown, reference="attend-letter-999")).status_code == 200
    )


def test_a_late_accepted_never_undoes_posted(client, sent_letter):
    _, letter = sent_letter
    _post(client, _receipt("received", reference=f"attend-letter-{letter.pk}"))
    _post(client, _receipt("accepted", reference=f"attend-letter-{letter.pk}"))
    letter.refresh_from_db()
    assert letter.status == LetterStatus.DELIVERED


def test_notifys_returned_letter_callback_marks_the_letter_returned_and_the_address_not_working(client, sent_letter):
    appointment, letter = sent_letter
    _post(client, _receipt("received", reference=f"attend-letter-{letter.pk}"))

    body = {"notification_id": NOTIFICATION_ID, "reference": f"attend-letter-{letter.pk}", "date_sent": "2026-06-12"}
    assert _post(client, body).status_code == 200

    letter.refresh_from_db()
    assert letter.status == LetterStatus.RETURNED
    patient = Patient.objects.get(pk=appointment.patient_id)
    assert not patient.address_works and patient.address_returned_at is not None
    assert AuditEvent.objects.filter(summary__startswith="Letter returned undelivered (Notify)").exists()
    # The next appointment's plan sends no letter to the address that came back.
    later = _appointment(starts_at=datetime(2026, 6, 24, 10, 0, tzinfo=LONDON))
    Patient.objects.filter(pk=later.patient_id).update(address_returned=patient.address_returned)
    letters_plan(now=NOW)
    assert ChannelPlan.objects.get(appointment=later).why_no_letter == "a letter to this address came back"
    assert not Letter.objects.filter(appointment=later).exists()


def test_a_new_address_from_the_extract_works_again(sent_letter):
    from letters.returns import letter_returned_record

    appointment, _ = sent_letter

    assert letter_returned_record(notification_id=NOTIFICATION_ID, source="Notify") == "returned"
    patient = Patient.objects.get(pk=appointment.patient_id)
    assert not patient.address_works
    patient.address_line_2 = "14 Mill Lane"
    assert patient.address_works


def _post_room(client):
    user = UserFactory(username="postroom")
    user.user_permissions.add(Permission.objects.get(codename="print_letters"))
    client.force_login(user)
    return user


def test_the_post_room_uploads_notifys_returned_letters_report(client, sent_letter):
    _, letter = sent_letter
    user = _post_room(client)
    report = (
        "Notification ID,Reference,Date sent,Sent by,Template name\n"
        f"{NOTIFICATION_ID},attend-letter-{letter.pk},2026-06-12,Attend,Appointment reminder\n"
        "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d,someone-elses-letter,2026-06-12,Other,Other\n"
    )
    upload = SimpleUploadedFile("returned.csv", report.encode(), content_type="text/csv")

    response = client.post(reverse("letters-returned"), {"file": upload})

    assert response.status_code == 200
    page = response.content.decode()
    assert "1 letter marked returned" in page and "someone-elses-letter" in page
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RETURNED
    assert AuditEvent.objects.get(summary__startswith="Letter returned undelivered").actor == user


def test_a_file_with_no_reference_column_is_refused_and_marks_nothing(client, sent_letter):
    _post_room(client)
    upload = SimpleUploadedFile("x.csv", b"name,address\nAda,Leeds\n", content_type="text/csv")
    response = client.post(reverse("letters-returned"), {"file": upload})
    assert response.status_code == 400
    assert "no &#x27;Notification ID&#x27; or &#x27;Reference&#x27; column" in response.content.decode()
    assert Letter.objects.get().status == LetterStatus.SENT


def test_the_returned_letters_page_is_refused_to_staff_without_the_permission(client):
    client.force_login(UserFactory(username="nobody"))
    assert client.get(reverse("letters-returned")).status_code == 403


def test_the_admins_mark_returned_marks_the_address_not_working_too(client_for, admin_user, sent_letter):
    appointment, letter = sent_letter
    client = client_for(admin_user)

    response = client.post(
        reverse("admin:letters_letter_changelist"), {"action": "mark_returned", "_selected_action": [letter.pk]}
    )

    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == LetterStatus.RETURNED
    assert not Patient.objects.get(pk=appointment.patient_id).address_works
    assert AuditEvent.objects.get(summary__startswith="Letter returned undelivered (admin)").actor == admin_user
