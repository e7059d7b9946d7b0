"""Support used on the day: offered → accepted → arranged → used, recorded after the appointment."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from calls.models import CallResult, CallTaskStatus, SupportOffer, SupportStatus, SupportType
from calls.services import AttemptInput, InvalidAttempt, SupportInput, call_attempt_record, support_offer_update
from tests.support.call_factories import CallTaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(call_handler):
    client = APIClient()
    client.force_authenticate(call_handler)
    return client


@pytest.fixture
def arranged(call_handler):
    task = CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())
    call_attempt_record(
        task_id=task.pk,
        handler=call_handler,
        data=AttemptInput(
            result=CallResult.REACHED, support=[SupportInput(SupportType.PATIENT_TRANSPORT, SupportStatus.ARRANGED)]
        ),
    )
    return SupportOffer.objects.get()


def after_the_appointment(offer):
    return offer.appointment.starts_at + timedelta(hours=2)


def test_arranged_support_is_recorded_as_used_after_the_appointment(arranged, call_handler):
    support_offer_update(
        offer_id=arranged.pk, status=SupportStatus.USED, by=call_handler, now=after_the_appointment(arranged)
    )
    arranged.refresh_from_db()
    assert arranged.status == SupportStatus.USED


def test_support_cannot_be_recorded_as_used_before_the_appointment(arranged, call_handler):
    with pytest.raises(InvalidAttempt, match="only once the appointment has started"):
        support_offer_update(offer_id=arranged.pk, status=SupportStatus.USED, by=call_handler)
    arranged.refresh_from_db()
    assert arranged.status == SupportStatus.ARRANGED


def test_only_arranged_support_can_become_used_and_used_is_final(call_handler, arranged):
    offered = SupportOffer.objects.create(
        attempt=arranged.attempt, appointment=arranged.appointment, support_type=SupportType.TRAVEL_COSTS
    )
    later = after_the_appointment(arranged)
    with pytest.raises(InvalidAttempt, match="cannot become used on the day"):
        support_offer_update(offer_id=offered.pk, status=SupportStatus.USED, by=call_handler, now=later)
    support_offer_update(offer_id=arranged.pk, status=SupportStatus.USED, by=call_handler, now=later)
    with pytest.raises(InvalidAttempt):
        support_offer_update(offer_id=arranged.pk, status=SupportStatus.DECLINED, by=call_handler, now=later)


def test_a_call_cannot_record_support_as_already_used(call_handler):
    task = CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())
    data = AttemptInput(
        result=CallResult.REACHED, support=[SupportInput(SupportType.PATIENT_TRANSPORT, SupportStatus.USED)]
    )
    with pytest.raises(InvalidAttempt, match="only once the appointment has started"):
        call_attempt_record(task_id=task.pk, handler=call_handler, data=data)
    assert not SupportOffer.objects.exists()


def test_the_api_refuses_used_before_the_appointment_with_the_reason(api, arranged):
    response = api.patch(f"/api/v1/support-offers/{arranged.pk}/", {"status": "used"}, format="json")
    assert response.status_code == 400
    assert "only once the appointment has started" in response.json()["detail"]


def test_the_api_records_used_once_the_appointment_has_started(api, arranged):
    arranged.appointment.starts_at = timezone.now() - timedelta(hours=1)
    arranged.appointment.save(update_fields=["starts_at"])
    response = api.patch(f"/api/v1/support-offers/{arranged.pk}/", {"status": "used"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "used"


def test_a_call_attempt_through_the_api_cannot_say_used(api, call_handler):
    task = CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())
    body = {"result": "reached", "support": [{"support_type": "patient_transport", "status": "used"}]}
    response = api.post(f"/api/v1/worklist/{task.pk}/attempts/", body, format="json")
    assert response.status_code == 400
    assert not SupportOffer.objects.exists()
