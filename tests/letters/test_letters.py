"""Letter reminders for patients who cannot be texted: planned at the lead on a working day,
checked again when sent, sent through NHS Notify's letter API (stubbed at the HTTP layer with
`responses`, never the internet) or printed by the post room in an audited daily batch."""

import json
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
import responses
from django.contrib.auth.models import Permission
from django.urls import reverse

from appointments.models import AttendanceCode
from audit.models import AuditAction, AuditEvent
from letters.models import Letter, LetterStatus, LetterVariant
from letters.planning import letters_plan
from letters.sending import letters_poll_status, letters_send_due
from tests.support.factories import AppointmentFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=LONDON)  # a Wednesday
POSTING_DAY = datetime(2026, 6, 12, 8, 0, tzinfo=LONDON)  # the Friday ten days before the appointment
STARTS = datetime(2026, 6, 22, 14, 30, tzinfo=LONDON)  # a Monday
SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
API_KEY = f"attend_test-{SERVICE_ID}-3d844edf-8d35-48ac-975b-e847b4f122b0"
STANDARD = "f33517ff-2a88-4f6e-b855-c550268ce08a"
LARGE_PRINT = "0b1e0b55-5b6c-4e44-9c27-0e2f3f8e7d9a"
SEND_URL = "https://api.notifications.service.gov.uk/v2/notifications/letter"
LIST_URL = "https://api.notifications.service.gov.uk/v2/notifications"
NOTIFICATION_ID = "740e5834-3a29-46b4-9a6f-16142fde533a"
ADDRESS = {"address_line_1": "Flat 2", "address_line_2": "12 Mill Lane", "address_line_3": "Leeds"}


@pytest.fixture(autouse=True)
def _letter_settings(settings):
    settings.ATTEND_LETTER_DAYS_BEFORE = 10
    settings.ATTEND_LETTER_BACKEND = "notify"
    settings.NOTIFY_API_KEY = API_KEY
    settings.NOTIFY_API_BASE_URL = ""
    settings.ATTEND_NOTIFY_LETTER_TEMPLATES = json.dumps({"en": STANDARD, "en:large_print": LARGE_PRINT})


def _appointment(*, mobile="", starts_at=STARTS, **patient):
    fields = {"given_name": "Ada", "family_name": "Lovelace", "postcode": "LS1 4AP", "mobile": mobile}
    return AppointmentFactory(starts_at=starts_at, patient=PatientFactory(**(fields | ADDRESS | patient)))


def _notify_created(letter_id: int) -> dict:
    return {"id": NOTIFICATION_ID, "reference": f"attend-letter-{letter_id}", "postage": "second",
            "content": {"body": "…", "subject": "Your appointment"}, "template": {"id": STANDARD, "version": 1,
            "uri": "https://api.notifications.service.gov.uk/v2/template/x"},
            "uri": f"https://api.notifications.service.gov.uk/v2/notifications/{NOTIFICATION_ID}"}  # fmt: skip


def test_a_patient_with_no_mobile_and_an_address_gets_one_letter_posted_ten_days_before():
    appointment = _appointment()
    assert letters_plan(now=NOW) == {"planned": 1}
    assert letters_plan(now=NOW) == {"planned": 0}  # planning again plans nothing new
    letter = Letter.objects.get()
    assert (letter.appointment, letter.due_on.isoformat(), letter.variant) == (appointment, "2026-06-12", "standard")
    assert letter.why_letter == "no mobile number"


def test_a_patient_who_can_be_texted_gets_no_letter():
    _appointment(mobile="+447700900123")
    assert letters_plan(now=NOW) == {"planned": 0}


def test_a_patient_opted_out_of_sms_gets_a_letter_and_one_with_no_address_none():
    _appointment(mobile="+447700900123", sms_opt_out=True)
    _appointment(address_line_1="", address_line_2="", address_line_3="")
    letters_plan(now=NOW)
    assert list(Letter.objects.values_list("why_letter", flat=True)) == ["patient opted out of SMS"]


def test_a_posting_day_on_a_weekend_or_bank_holiday_moves_to_the_working_day_before(settings):
    settings.ATTEND_BANK_HOLIDAY_REGION = "england-and-wales"
    _appointment(starts_at=datetime(2026, 6, 4, 9, 0, tzinfo=LONDON))  # ten days before: Spring bank holiday
    _appointment(starts_at=datetime(2026, 6, 23, 9, 0, tzinfo=LONDON))  # ten days before: a Saturday
    letters_plan(now=datetime(2026, 5, 20, 10, 0, tzinfo=LONDON))
    letters_plan(now=NOW)
    assert sorted(d.isoformat() for d in Letter.objects.values_list("due_on", flat=True)) == [
        "2026-05-22", "2026-06-12",
    ]  # fmt: skip


def test_a_deceased_patients_appointment_is_never_given_a_letter():
    _appointment(deceased=True)
    assert letters_plan(now=NOW) == {"planned": 0}


@responses.activate
def test_a_large_print_letter_goes_through_the_large_print_template_with_the_address_and_its_reference():
    _appointment(communication_needs="large_print")
    letters_plan(now=NOW)
    letter = Letter.objects.get()
    assert letter.variant == LetterVariant.LARGE_PRINT
    responses.post(SEND_URL, json=_notify_created(letter.pk), status=201)

    assert letters_send_due(now=POSTING_DAY).sent == 1

    sent = json.loads(responses.calls[0].request.body)
    assert sent["template_id"] == LARGE_PRINT and sent["reference"] == f"attend-letter-{letter.pk}"
    address = [sent["personalisation"][f"address_line_{n}"] for n in range(1, 6)]
    assert address == ["Ada Lovelace", "Flat 2", "12 Mill Lane", "Leeds", "LS1 4AP"]
    assert sent["personalisation"]["appointment_date"] == "Monday 22 June 2026"
    letter.refresh_from_db()
    assert (letter.status, letter.provider_id) == (LetterStatus.SENT, NOTIFICATION_ID)


@responses.activate
def test_an_easy_read_letter_with_no_template_fails_rather_than_going_in_standard_print():
    _appointment(communication_needs="easy_read")
    letters_plan(now=NOW)
    assert letters_send_due(now=POSTING_DAY).failed == 1
    letter = Letter.objects.get()
    assert letter.status == LetterStatus.FAILED and "easy_read" in letter.last_error
    assert not responses.calls


def _cancel(appointment):
    appointment.attendance_code = AttendanceCode.PATIENT_CANCELLED
    appointment.save()


def _move(appointment):
    appointment.starts_at += timedelta(days=7)
    appointment.save()


def _die(appointment):
    appointment.patient.deceased = True
    appointment.patient.save()


@responses.activate
@pytest.mark.parametrize(
    ("change", "reason"),
    [(_cancel, "appointment cancelled"), (_move, "appointment moved"), (_die, "patient deceased")],
)
def test_a_letter_whose_appointment_changed_since_it_was_planned_is_skipped_with_the_reason(change, reason):
    appointment = _appointment()
    letters_plan(now=NOW)
    change(appointment)

    assert letters_send_due(now=POSTING_DAY).skipped == 1

    letter = Letter.objects.get(appointment_starts_at=STARTS)
    assert (letter.status, letter.skip_reason) == (LetterStatus.SKIPPED, reason)
    assert not responses.calls  # nothing reached Notify


@responses.activate
def test_a_letter_not_due_yet_is_not_sent():
    _appointment()
    letters_plan(now=NOW)
    assert letters_send_due(now=NOW).as_dict()["sent"] == 0
    assert Letter.objects.get().status == LetterStatus.PLANNED


@responses.activate
def test_a_retry_after_a_timeout_that_reached_notify_finds_the_letter_and_never_sends_it_twice():
    _appointment()
    letters_plan(now=NOW)
    letter = Letter.objects.get()
    responses.post(SEND_URL, body=requests.ReadTimeout("read timed out"))
    assert letters_send_due(now=POSTING_DAY).retry == 1
    letter.refresh_from_db()
    assert letter.status == LetterStatus.PLANNED and letter.handed_at is not None

    # Notify had taken it: the next attempt asks by reference and records it, sending nothing.
    found = _notify_created(letter.pk) | {"status": "accepted", "created_at": "2026-06-12T07:00:01.000000Z"}
    responses.get(LIST_URL, json={"notifications": [found], "links": {}})
    assert letters_send_due(now=POSTING_DAY).sent == 1

    posts = [call for call in responses.calls if call.request.method == "POST"]
    assert len(posts) == 1
    lookup = parse_qs(urlsplit(responses.calls[-1].request.url).query)
    assert lookup == {"reference": [f"attend-letter-{letter.pk}"], "template_type": ["letter"]}
    letter.refresh_from_db()
    assert (letter.status, letter.provider_id, letter.provider_status) == (
        LetterStatus.SENT,
        NOTIFICATION_ID,
        "accepted",
    )


@responses.activate
def test_notify_refusing_a_letter_fails_it_with_notifys_answer():
    _appointment()
    letters_plan(now=NOW)
    responses.post(SEND_URL, status=400, json={"status_code": 400, "errors": [
        {"error": "ValidationError", "message": "Last line of address must be a real UK postcode"}]})  # fmt: skip
    assert letters_send_due(now=POSTING_DAY).failed == 1
    letter = Letter.objects.get()
    assert letter.status == LetterStatus.FAILED and "real UK postcode" in letter.last_error
    assert len(responses.calls) == 1


@responses.activate
def test_notifys_received_status_marks_the_letter_posted():
    _appointment()
    letters_plan(now=NOW)
    responses.post(SEND_URL, json=_notify_created(Letter.objects.get().pk), status=201)
    letters_send_due(now=POSTING_DAY)
    responses.get(f"{LIST_URL}/{NOTIFICATION_ID}", json={"id": NOTIFICATION_ID, "status": "received"})

    assert letters_poll_status(now=POSTING_DAY) == {"polled": 1, "moved": 1}
    assert Letter.objects.get().status == LetterStatus.DELIVERED


def _post_room(client):
    user = UserFactory()
    user.user_permissions.add(Permission.objects.get(codename="print_letters"))
    client.force_login(user)
    return user


def test_without_notify_the_days_letters_are_a_printable_batch_marked_printed_and_audited(client, settings):
    settings.ATTEND_LETTER_BACKEND = "print"
    _appointment()
    _appointment(given_name="Grace", family_name="Hopper", communication_needs="large_print")
    letters_plan(now=NOW)
    assert letters_send_due(now=POSTING_DAY).queued == 2
    user = _post_room(client)
    url = f"{reverse('letters-print-batch')}?day=2026-06-12"

    page = client.get(url)

    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('<article class="letters-letter') == 2
    assert "Ada Lovelace<br>Flat 2<br>12 Mill Lane<br>Leeds<br>LS1 4AP<br>" in html
    assert "letters-letter--large" in html and "Monday 22 June 2026" in html
    viewed = AuditEvent.objects.get(action=AuditAction.VIEW, target_type="letters.printbatch")
    assert (viewed.actor, viewed.target_id) == (user, "2026-06-12")

    client.post(reverse("letters-print-batch-printed"), {"day": "2026-06-12"})

    assert set(Letter.objects.values_list("status", "printed_by")) == {(LetterStatus.PRINTED, user.pk)}
    printed = AuditEvent.objects.get(action=AuditAction.CHANGE, target_type="letters.printbatch")
    assert "2 letters marked printed" in printed.summary
    client.post(reverse("letters-print-batch-printed"), {"day": "2026-06-12"})  # twice: nothing more
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, target_type="letters.printbatch").count() == 1


def test_the_print_batch_is_refused_to_staff_without_the_permission(client):
    client.force_login(UserFactory())
    assert client.get(reverse("letters-print-batch")).status_code == 403


def test_an_import_that_cancels_the_appointment_skips_its_planned_letter_at_once(tmp_path):
    from appointments.importing.services import import_extract
    from tests.appointments.importing.extracts import HEADER, row, write_extract

    header = [*HEADER, "address_line_1", "address_line_2"]
    start = STARTS.strftime("%Y-%m-%dT%H:%M")
    lines = {"phone": "", "address_line_1": "12 Mill Lane", "address_line_2": "Leeds", "appointment_start": start}
    import_extract(path=write_extract(tmp_path, [row(**lines)], header=header, name="first.csv"))
    letters_plan(now=NOW)
    assert Letter.objects.get().status == LetterStatus.PLANNED

    import_extract(path=write_extract(tmp_path, [row(**lines, attendance_code="2")], header=header, name="later.csv"))

    letter = Letter.objects.get()
    assert (letter.status, letter.skip_reason) == (LetterStatus.SKIPPED, "appointment cancelled")


def test_a_letter_backend_of_notify_without_its_templates_stops_start_up_naming_the_setting(settings):
    from django.core.exceptions import ImproperlyConfigured

    from letters.notify import validate_letter_settings

    settings.ATTEND_NOTIFY_LETTER_TEMPLATES = '{"cy": "x"}'
    with pytest.raises(ImproperlyConfigured, match="ATTEND_NOTIFY_LETTER_TEMPLATES"):
        validate_letter_settings()


def test_an_appointment_booked_inside_the_lead_is_posted_today_if_it_can_still_arrive_in_time():
    _appointment(starts_at=datetime(2026, 6, 17, 9, 0, tzinfo=LONDON))  # a week away: posted today
    _appointment(starts_at=datetime(2026, 6, 13, 9, 0, tzinfo=LONDON))  # three days away: too late for post
    assert letters_plan(now=NOW) == {"planned": 1}
    assert Letter.objects.get().due_on.isoformat() == "2026-06-10"


def test_a_letter_left_unsent_until_too_close_to_the_appointment_is_skipped_not_posted(settings):
    settings.ATTEND_LETTER_BACKEND = "print"
    _appointment()
    letters_plan(now=NOW)
    assert letters_send_due(now=datetime(2026, 6, 19, 8, 0, tzinfo=LONDON)).skipped == 1
    assert Letter.objects.get().skip_reason == "too late to post: the appointment is in 3 days"


def test_the_address_a_letter_went_to_is_blanked_past_the_retention_period(settings):
    from audit.retention import purge_expired

    settings.ATTEND_LETTER_BACKEND = "print"
    _appointment()
    letters_plan(now=NOW)
    letters_send_due(now=POSTING_DAY)
    assert Letter.objects.get().address.splitlines()[0] == "Ada Lovelace"
    Letter.objects.update(created_at=NOW - timedelta(days=settings.ATTEND_RETENTION_DAYS + 1))

    purge_expired()

    assert Letter.objects.get().address == ""


@responses.activate
def test_a_lookup_that_fails_after_a_send_in_doubt_still_asks_notify_first_next_time():
    _appointment()
    letters_plan(now=NOW)
    letter = Letter.objects.get()
    responses.post(SEND_URL, body=requests.ReadTimeout("read timed out"))
    letters_send_due(now=POSTING_DAY)
    responses.get(LIST_URL, status=503, json={"status_code": 503, "errors": [{"error": "E", "message": "down"}]})
    assert letters_send_due(now=POSTING_DAY).retry == 1  # Notify could not say: not sent again

    responses.replace(responses.GET, LIST_URL, json={"notifications": [_notify_created(letter.pk)], "links": {}})
    assert letters_send_due(now=POSTING_DAY).sent == 1
    assert len([call for call in responses.calls if call.request.method == "POST"]) == 1
