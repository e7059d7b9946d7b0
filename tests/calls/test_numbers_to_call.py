"""Calls go to any number the patient has; texts only to a mobile. A patient with no number to
call is given no call-list slot: they are counted and listed once for the booking team."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.building import build_worklists
from calls.models import BookingRequest, BookingRequestKind, CallResult, CallTask, CallTaskStatus, TeamCapacity
from calls.services import AttemptInput, InvalidAttempt, call_attempt_record
from patients.corrections.models import LocalCorrection
from tests.support.call_factories import CallTaskFactory, scored_appointment
from tests.support.factories import PatientFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = TeamFactory(calls_per_handler=2)
    TeamCapacity.objects.create(team=team, day=timezone.localdate(), handlers_on_shift=1)
    return team


def test_a_landline_only_patient_is_called_and_a_patient_with_no_number_takes_no_slot(team):
    landline = PatientFactory(mobile="", other_phone="+441132432799")
    nobody = PatientFactory(mobile="", other_phone="")
    mobile = PatientFactory()
    scored_appointment(0.95, patient=nobody)  # the highest risk, but nobody can phone them
    scored_appointment(0.9, patient=landline)
    scored_appointment(0.8, patient=mobile)
    summary = build_worklists()
    assert set(CallTask.objects.values_list("patient", flat=True)) == {landline.pk, mobile.pk}
    assert (summary["no_number_to_call"], summary["listed_for_booking_team"], summary.get("over_capacity", 0)) == (
        1, 1, 0,
    )  # fmt: skip
    request = BookingRequest.objects.get()
    assert (request.patient, request.kind, request.source) == (nobody, BookingRequestKind.CONTACT, "list")


def test_the_booking_team_hears_of_a_patient_with_no_number_once(team):
    nobody = PatientFactory(mobile="", other_phone="")
    scored_appointment(0.9, patient=nobody)
    build_worklists()
    summary = build_worklists()
    assert summary["no_number_to_call"] == 1 and summary["listed_for_booking_team"] == 0
    assert BookingRequest.objects.count() == 1


def test_the_card_shows_every_number_with_its_kind_and_where_it_came_from(client_for, call_handler):
    patient = PatientFactory(mobile="+447700900123", other_phone="+441132432799")
    task = CallTaskFactory(
        patient=patient, status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now()
    )
    LocalCorrection.objects.create(
        patient=patient, field="other_phone", value="+441132432799", corrected_at=timezone.now() - timedelta(days=1)
    )
    page = client_for(call_handler).get(reverse("call-card", args=[task.pk])).content.decode()
    phones = page[page.index('id="patient-phone"') :][:1200]
    assert (
        "07700 900123" in phones and "Mobile (texts and calls)" in phones and "from the trust&#x27;s extract" in phones
    )
    assert "0113 243 2799" in phones and "Landline (calls only)" in phones and "recorded in Attend on" in phones
    assert 'id="ask-for"' not in page  # an adult is called directly


def test_the_card_says_when_there_is_no_number_to_call(client_for, call_handler):
    patient = PatientFactory(mobile="", other_phone="")
    task = CallTaskFactory(
        patient=patient, status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now()
    )
    page = client_for(call_handler).get(reverse("call-card", args=[task.pk])).content.decode()
    assert "No number to call" in page


def _record(task, handler, contact):
    return call_attempt_record(
        task_id=task.pk, handler=handler, data=AttemptInput(result=CallResult.REACHED, contact=contact)
    )


def test_a_landline_entered_as_the_mobile_is_refused_so_texts_never_go_to_it(call_handler):
    task = CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())
    with pytest.raises(InvalidAttempt, match="landline, which cannot receive texts"):
        _record(task, call_handler, {"mobile": "0113 243 2799"})
    task.patient.refresh_from_db()
    assert task.patient.mobile.startswith("+447700")


def test_a_landline_recorded_on_a_call_is_kept_for_calls_and_protected_from_the_next_import(call_handler):
    task = CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())
    _record(task, call_handler, {"other_phone": "0113 243 2799"})
    task.patient.refresh_from_db()
    assert task.patient.other_phone == "+441132432799"
    correction = LocalCorrection.objects.get(patient=task.patient)
    assert (correction.field, correction.value) == ("other_phone", "+441132432799")


def test_accessible_information_needs_recorded_on_a_call_are_shown_and_kept_as_a_correction(client_for, call_handler):
    task = CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())
    _record(task, call_handler, {"communication_needs": ["relay_uk", "large_print"]})
    task.patient.refresh_from_db()
    assert task.patient.communication_needs == "large_print,relay_uk"
    correction = LocalCorrection.objects.get(patient=task.patient)
    assert (correction.field, correction.value, correction.previous_value) == (
        "communication_needs", "large_print,relay_uk", "",
    )  # fmt: skip
    task = CallTaskFactory(
        patient=task.patient, status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now()
    )
    page = client_for(call_handler).get(reverse("call-card", args=[task.pk])).content.decode()
    needs = page[page.index('id="patient-communication-needs"') :][:400]
    assert "Large print" in needs and "dial 18001 before the number" in needs


def test_an_unknown_accessible_information_need_is_refused(call_handler):
    task = CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())
    with pytest.raises(InvalidAttempt, match="accessible-information need: smoke_signals"):
        _record(task, call_handler, {"communication_needs": ["smoke_signals"]})


def test_a_childs_card_says_who_to_ask_for_and_puts_the_carers_number_first(client_for, call_handler):
    from datetime import date

    patient = PatientFactory(
        date_of_birth=date(timezone.localdate().year - 9, 1, 1), mobile="+447700900111",
        contact_name="Sam Jones", contact_relationship="mother", contact_phone="+447700900555",
    )  # fmt: skip
    task = CallTaskFactory(
        appointment=scored_appointment(0.6, patient=patient), status=CallTaskStatus.CLAIMED,
        claimed_by=call_handler, claimed_at=timezone.now(),
    )  # fmt: skip
    page = client_for(call_handler).get(reverse("call-card", args=[task.pk])).content.decode()
    assert "A child: ask for Sam Jones (mother)" in page
    phones = page[page.index('id="patient-phone"') :][:1500]
    assert phones.index("07700 900555") < phones.index("07700 900111")
    assert "Sam Jones (mother)" in phones


def test_a_patient_with_only_a_carers_number_is_called_not_sent_to_the_booking_team(team):
    patient = PatientFactory(mobile="", other_phone="", contact_phone="+447700900555")
    scored_appointment(0.9, patient=patient)
    summary = build_worklists()
    assert CallTask.objects.filter(patient=patient).exists() and summary["no_number_to_call"] == 0
