"""Nothing a signed-in person is shown is kept by a cache (issue 22, item 12): a shared ward
PC's browser cache or a proxy must not hold a patient's card, an export or an API answer."""

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from calls.models import BookingRequest, CallTaskStatus
from tests.support.call_factories import CallTaskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(call_handler):
    return CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())


def _not_stored(response):
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    return response.status_code == 200 and {"no-store", "private"} <= directives


def test_a_call_card_is_not_stored_by_any_cache(client_for, call_handler, claimed):
    response = client_for(call_handler).get(reverse("call-card", args=[claimed.pk]))
    assert claimed.patient.display_name in response.content.decode()
    assert _not_stored(response)


def test_a_csv_export_of_patients_is_not_stored_by_any_cache(client_for, team_lead, claimed):
    BookingRequest.objects.create(
        patient=claimed.patient, appointment=claimed.appointment, kind="rebook", source="call"
    )
    response = client_for(team_lead).get(reverse("booking-requests-csv"))
    assert claimed.patient.hospital_number in response.content.decode()
    assert _not_stored(response)


def test_an_api_answer_to_a_token_is_not_stored_by_any_cache(client, call_handler, claimed):
    token = Token.objects.create(user=call_handler)
    response = client.get(
        reverse("api-worklist-call", args=[claimed.pk]), headers={"Authorization": f"Token {token.key}"}
    )
    assert claimed.patient.nhs_number in response.content.decode()
    assert _not_stored(response)
