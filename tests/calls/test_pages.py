import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.roles import CALL_HANDLER
from appointments.models import Appointment, AttendanceCode, Clinic, Site
from audit.models import AuditAction, AuditEvent
from calls.models import BookingRequest, CallAttempt, CallTaskStatus, SupportOffer, TeamCapacity
from calls.presenters import AppointmentPresenter
from patients.identifiers import national_format
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(call_handler):
    return CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())


def attempt_form(task, **overrides):
    patient = task.patient
    data = {
        "result": "reached",
        "intention": "will_attend",
        "mobile": patient.mobile,
        "preferred_language": patient.preferred_language,
        "interpreter_required": "no",
        "ethnic_category": patient.ethnic_category,
    }
    data.update(overrides)
    return data


def test_todays_list_shows_how_many_to_call_claimed_and_done(client_for, call_handler, claimed):
    CallTaskFactory(priority=0.3)
    CallTaskFactory(status=CallTaskStatus.DONE)
    response = client_for(call_handler).get(reverse("calls-start"))
    counts = response.context["counts"]
    assert (counts.to_call, counts.claimed, counts.done) == (1, 1, 1)
    assert claimed.patient.display_name in response.content.decode()


def test_call_next_claims_and_opens_the_patient_card(client_for, call_handler):
    task = CallTaskFactory()
    response = client_for(call_handler).post(reverse("call-next"))
    assert response.url == reverse("call-card", args=[task.pk])
    task.refresh_from_db()
    assert task.claimed_by == call_handler


def test_call_next_on_an_empty_list_says_so(client_for, call_handler):
    response = client_for(call_handler).post(reverse("call-next"), follow=True)
    assert "no calls waiting" in response.content.decode()


def test_when_every_call_went_unanswered_the_list_says_when_they_come_back_and_offers_no_call_next(
    client_for, call_handler
):
    """The counts, the empty state and the button agree: nothing claimable is not "43 to call"."""
    later = timezone.now() + timedelta(hours=2)
    for _ in range(3):
        CallTaskFactory(team=call_handler.staff_profile.team, status=CallTaskStatus.RETRY, not_before=later)
    client = client_for(call_handler)
    page = client.get(reverse("calls-start"))
    counts = page.context["counts"]
    assert (counts.waiting_now, counts.due_later) == (0, 3)
    body = page.content.decode()
    assert "Call next" not in body
    assert f"comes back at {timezone.localtime(later):%H:%M}" in body
    told = client.post(reverse("call-next"), follow=True).content.decode()
    assert f"3 calls are due again later (the next at {timezone.localtime(later):%H:%M})" in told


def test_the_patient_card_shows_who_why_and_the_script_and_is_audited(client_for, call_handler, claimed):
    claimed.appointment.clinic.call_script = "Ask about transport to the eye clinic."
    claimed.appointment.clinic.save()
    page = client_for(call_handler).get(reverse("call-card", args=[claimed.pk])).content.decode()
    patient = claimed.patient
    phone = national_format(patient.mobile)
    for text in (patient.display_name, patient.nhs_number_display, phone, "English", "Missed 2 of their"):
        assert text in page
    assert "Ask about transport to the eye clinic." in page
    assert "Bus 1 to the main entrance." in page
    assert AuditEvent.objects.for_target(patient).get().action == AuditAction.VIEW


def test_another_handlers_call_card_is_not_shown(client_for, claimed):
    other = make_user(CALL_HANDLER, username="other")
    assert client_for(other).get(reverse("call-card", args=[claimed.pk])).status_code == 404


def test_recording_an_outcome_with_support_saves_it_and_returns_to_the_list(client_for, call_handler, claimed):
    form = attempt_form(claimed, support_travel_costs="on", travel_costs_status="accepted")
    response = client_for(call_handler).post(reverse("call-card", args=[claimed.pk]), form)
    assert response.url == reverse("calls-start")
    claimed.refresh_from_db()
    assert claimed.status == CallTaskStatus.DONE
    assert SupportOffer.objects.get().status == "accepted"


def test_a_form_with_no_outcome_says_so_and_saves_nothing(client_for, call_handler, claimed):
    response = client_for(call_handler).post(reverse("call-card", args=[claimed.pk]), attempt_form(claimed, result=""))
    assert response.status_code == 400
    assert "Choose what happened on the call." in response.content.decode()
    assert not CallAttempt.objects.exists()


def test_a_stale_claim_is_refused_with_a_message(client_for, call_handler, team_lead, claimed):
    client = client_for(call_handler)
    page_open = attempt_form(claimed)
    claimed.claimed_by = team_lead
    claimed.save()
    response = client.post(reverse("call-card", args=[claimed.pk]), page_open, follow=True)
    assert "This call is no longer yours" in response.content.decode()
    assert not CallAttempt.objects.exists()


def test_an_attempt_on_a_cancelled_appointment_is_refused_and_the_call_leaves_the_list(
    client_for, call_handler, claimed
):
    claimed.appointment.attendance_code = AttendanceCode.PATIENT_CANCELLED
    claimed.appointment.save()
    response = client_for(call_handler).post(reverse("call-card", args=[claimed.pk]), attempt_form(claimed))
    assert response.status_code == 409
    assert "cancelled or has already happened" in response.content.decode()
    assert not CallAttempt.objects.exists()
    claimed.refresh_from_db()
    assert claimed.status == CallTaskStatus.CANCELLED


def test_a_changed_language_on_the_form_is_saved_with_an_audit_record(client_for, call_handler, claimed):
    client_for(call_handler).post(
        reverse("call-card", args=[claimed.pk]), attempt_form(claimed, preferred_language="pl")
    )
    change = AuditEvent.objects.get(action=AuditAction.CHANGE)
    assert change.changes == {"preferred_language": ["en", "pl"]}


def test_the_team_lead_sees_who_has_what_and_can_set_capacity(client_for, team_lead, claimed):
    client = client_for(team_lead)
    page = client.get(reverse("team-start")).content.decode()
    assert "handler" in page and claimed.patient.display_name in page
    client.post(reverse("team-capacity"), {"handlers_on_shift": 4})
    assert TeamCapacity.objects.get().handlers_on_shift == 4


def test_the_team_lead_can_reassign_a_call(client_for, team_lead, claimed):
    other = make_user(CALL_HANDLER, username="other")
    client_for(team_lead).post(reverse("team-reassign", args=[claimed.pk]), {"handler": other.pk})
    claimed.refresh_from_db()
    assert claimed.claimed_by == other


def test_the_team_lead_can_release_a_call(client_for, team_lead, claimed):
    client_for(team_lead).post(reverse("call-release", args=[claimed.pk]), {"next": "team"})
    claimed.refresh_from_db()
    assert claimed.status == CallTaskStatus.QUEUED


def test_a_call_handler_cannot_open_the_team_page(client_for, call_handler):
    assert client_for(call_handler).get(reverse("team-start")).status_code == 403


def test_the_booking_team_csv_export_lists_requests_and_is_audited(client_for, team_lead, claimed):
    BookingRequest.objects.create(
        patient=claimed.patient, appointment=claimed.appointment, kind="rebook", source="call"
    )
    response = client_for(team_lead).get(reverse("booking-requests-csv"))
    body = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert claimed.patient.hospital_number in body and "rebook" in body
    assert AuditEvent.objects.get(action=AuditAction.EXPORT).actor == team_lead


def test_a_team_lead_marks_a_booking_request_done_and_it_leaves_the_list(client_for, team_lead, claimed):
    booking = BookingRequest.objects.create(patient=claimed.patient, kind="cancel", source="sms")
    client = client_for(team_lead)
    assert claimed.patient.hospital_number in client.get(reverse("booking-requests")).content.decode()

    response = client.post(reverse("booking-request-done", args=[booking.pk]), follow=True)
    assert "done." in response.content.decode()
    booking.refresh_from_db()
    assert booking.handled_by == team_lead and booking.handled_at is not None
    assert claimed.patient.hospital_number not in client.get(reverse("booking-requests-csv")).content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.CHANGE, target_id=str(booking.pk)).exists()

    again = client.post(reverse("booking-request-done", args=[booking.pk]), follow=True)
    assert "already been marked done" in again.content.decode()
    assert client.post(reverse("booking-request-done", args=[booking.pk + 99])).status_code == 404


def test_only_a_team_lead_marks_booking_requests_done(client_for, call_handler, claimed):
    booking = BookingRequest.objects.create(patient=claimed.patient, kind="cancel", source="sms")
    assert client_for(call_handler).post(reverse("booking-request-done", args=[booking.pk])).status_code == 403
    booking.refresh_from_db()
    assert booking.handled_at is None


def test_a_director_cannot_see_call_lists(client_for, director):
    assert client_for(director).get(reverse("calls-start")).status_code == 403


def test_an_interpreter_ticked_without_a_language_is_refused_with_a_message(client_for, call_handler, claimed):
    form = attempt_form(claimed, support_interpreter="on")
    response = client_for(call_handler).post(reverse("call-card", args=[claimed.pk]), form)
    assert response.status_code == 400
    assert "Say which language the interpreter is for." in response.content.decode()
    assert not CallAttempt.objects.exists()


@pytest.mark.parametrize(
    ("clinic", "site", "where"),
    [
        ("Eye clinic", "Attend General Hospital", "Eye clinic at Attend General Hospital"),
        ("Urology, Riverside Treatment Centre", "Riverside Treatment Centre", "Urology, Riverside Treatment Centre"),
    ],
)
def test_the_card_names_the_site_once(clinic, site, where):
    appointment = Appointment(clinic=Clinic(name=clinic), site=Site(name=site))
    assert AppointmentPresenter(appointment).where == where


def test_reassigning_starts_with_no_one_chosen_and_an_unchosen_submit_gives_the_call_to_nobody(
    client_for, team_lead, claimed
):
    client = client_for(team_lead)
    page = client.get(reverse("team-start")).content.decode()
    start = page.index(f'id="reassign-{claimed.pk}"')
    options = re.findall(r'<option value="([^"]*)"( selected)?>', page[start : page.index("</select>", start)])
    assert options[0] == ("", " selected")  # "Choose a call handler", chosen
    assert len(options) > 1 and all(value and not chosen for value, chosen in options[1:])
    response = client.post(reverse("team-reassign", args=[claimed.pk]), {"handler": ""}, follow=True)
    assert "Choose a call handler in your team." in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.claimed_by != team_lead
