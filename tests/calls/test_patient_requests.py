from datetime import timedelta

import pytest
from django.utils import timezone

from calls.models import BookingRequestKind, CallTask, CallTaskReason
from calls.requests import (
    PATIENT_ASKED_PRIORITY,
    NoUpcomingAppointment,
    booking_request_create,
    call_request_from_patient,
)
from tests.support.factories import AppointmentFactory, PatientFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def team():
    return TeamFactory()


def test_a_patient_asking_for_a_call_goes_to_the_top_of_todays_list_covering_all_upcoming():
    patient = PatientFactory()
    later = AppointmentFactory(patient=patient, starts_at=timezone.now() + timedelta(days=9))
    sooner = AppointmentFactory(patient=patient, starts_at=timezone.now() + timedelta(days=2))
    task = call_request_from_patient(patient=patient)
    assert task.reason == CallTaskReason.PATIENT_ASKED
    assert task.priority == PATIENT_ASKED_PRIORITY
    assert task.list_date == timezone.localdate()
    assert task.appointment == sooner
    assert set(task.appointments.all()) == {sooner, later}


def test_asking_twice_never_puts_a_patient_on_the_list_twice():
    patient = PatientFactory()
    AppointmentFactory(patient=patient)
    first = call_request_from_patient(patient=patient)
    again = call_request_from_patient(patient=patient)
    assert first.pk == again.pk
    assert CallTask.objects.filter(patient=patient).count() == 1


def test_a_patient_with_nothing_upcoming_is_not_put_on_the_list():
    with pytest.raises(NoUpcomingAppointment):
        call_request_from_patient(patient=PatientFactory())


def test_a_rebook_request_names_the_next_appointment_when_none_is_given():
    patient = PatientFactory()
    AppointmentFactory(patient=patient, starts_at=timezone.now() + timedelta(days=9))
    sooner = AppointmentFactory(patient=patient, starts_at=timezone.now() + timedelta(days=2))
    request = booking_request_create(patient=patient, kind=BookingRequestKind.REBOOK, source="sms")
    assert request.appointment == sooner
