import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.roles import CALL_HANDLER
from appointments.models import AttendanceCode
from audit.models import AuditAction, AuditEvent
from calls.models import CallAttempt, CallTaskStatus, SupportOffer
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import TeamFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(call_handler):
    client = APIClient()
    client.force_authenticate(call_handler)
    return client


@pytest.fixture
def claimed(call_handler):
    return CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())


def test_the_worklist_counts_only_the_handlers_own_team(api):
    CallTaskFactory()
    CallTaskFactory(team=TeamFactory(name="Elsewhere"))
    body = api.get("/api/v1/worklist/").json()
    assert body["counts"] == {
        "to_call": 1,
        "waiting_now": 1,
        "due_later": 0,
        "next_due_at": None,
        "claimed": 0,
        "done": 0,
    }


def test_a_handler_sees_no_patient_of_a_waiting_call_only_the_count_as_on_the_page(api):
    waiting = CallTaskFactory()
    body = api.get("/api/v1/worklist/").json()
    assert body["counts"]["to_call"] == 1
    assert body["calls"] == []
    assert waiting.patient.nhs_number not in str(body)


def test_a_handler_sees_the_calls_they_hold_and_each_listing_is_audited(api, claimed):
    CallTaskFactory()
    body = api.get("/api/v1/worklist/").json()
    assert [call["id"] for call in body["calls"]] == [claimed.pk]
    assert AuditEvent.objects.for_target(claimed.patient).filter(action=AuditAction.VIEW).count() == 1


def test_a_team_lead_sees_every_call_on_the_teams_list(team_lead):
    client = APIClient()
    client.force_authenticate(team_lead)
    waiting = CallTaskFactory(team=team_lead.staff_profile.team)
    body = client.get("/api/v1/worklist/").json()
    assert [call["id"] for call in body["calls"]] == [waiting.pk]


def test_the_worklist_hides_calls_claimed_by_another_handler(api):
    other = make_user(CALL_HANDLER, username="other")
    CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=other)
    body = api.get("/api/v1/worklist/").json()
    assert body["counts"]["claimed"] == 1
    assert body["calls"] == []


def test_claim_next_returns_the_patient_card(api, call_handler):
    task = CallTaskFactory()
    response = api.post("/api/v1/worklist/claim-next/")
    assert response.status_code == 200
    assert response.json()["id"] == task.pk
    assert response.json()["claimed_by"] == call_handler.username
    assert response.json()["reasons"]


def test_claim_next_on_an_empty_list_answers_204(api):
    assert api.post("/api/v1/worklist/claim-next/").status_code == 204


def test_recording_an_attempt_with_support(api, claimed):
    payload = {
        "result": "reached",
        "intention": "will_attend",
        "support": [{"support_type": "interpreter", "language": "pl"}, {"support_type": "travel_costs"}],
        "contact": {"preferred_language": "pl", "interpreter_required": True},
    }
    response = api.post(f"/api/v1/worklist/{claimed.pk}/attempts/", payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["call"]["status"] == "done"
    assert SupportOffer.objects.count() == 2


def test_an_attempt_without_a_result_is_a_400_with_a_reason(api, claimed):
    response = api.post(f"/api/v1/worklist/{claimed.pk}/attempts/", {"intention": "rebook"}, format="json")
    assert response.status_code == 400
    assert "result" in response.json()
    assert not CallAttempt.objects.exists()


def test_an_attempt_on_a_cancelled_appointment_is_a_409_with_a_reason(api, claimed):
    claimed.appointment.attendance_code = AttendanceCode.HOSPITAL_CANCELLED
    claimed.appointment.save()
    response = api.post(f"/api/v1/worklist/{claimed.pk}/attempts/", {"result": "reached"}, format="json")
    assert response.status_code == 409
    assert "cancelled" in response.json()["detail"]
    assert not CallAttempt.objects.exists()


def test_an_attempt_on_someone_elses_call_is_refused(claimed):
    other = make_user(CALL_HANDLER, username="other")
    client = APIClient()
    client.force_authenticate(other)
    response = client.post(f"/api/v1/worklist/{claimed.pk}/attempts/", {"result": "reached"}, format="json")
    assert response.status_code == 404
    assert not CallAttempt.objects.exists()


def test_a_support_offer_moves_on_through_the_api(api, claimed):
    api.post(
        f"/api/v1/worklist/{claimed.pk}/attempts/",
        {"result": "reached", "support": [{"support_type": "patient_transport"}]},
        format="json",
    )
    offer = SupportOffer.objects.get()
    response = api.patch(f"/api/v1/support-offers/{offer.pk}/", {"status": "arranged"}, format="json")
    assert response.json()["status"] == "arranged"
    assert api.patch(f"/api/v1/support-offers/{offer.pk}/", {"status": "offered"}, format="json").status_code == 400


def test_a_director_cannot_use_the_worklist_api(director):
    client = APIClient()
    client.force_authenticate(director)
    assert client.get("/api/v1/worklist/").status_code == 403


def test_the_worklist_endpoints_are_in_the_openapi_schema(client_for, call_handler):
    schema = client_for(call_handler).get("/api/schema/").content.decode()
    for path in ("/api/v1/worklist/", "/api/v1/worklist/claim-next/", "/api/v1/worklist/{task_id}/attempts/"):
        assert path in schema
    assert "/api/v1/support-offers/{offer_id}/" in schema


def test_a_team_lead_reassigns_a_call_through_the_api(team_lead, claimed):
    other = make_user(CALL_HANDLER, username="other")
    client = APIClient()
    client.force_authenticate(team_lead)
    response = client.post(f"/api/v1/worklist/{claimed.pk}/reassign/", {"handler": "other"}, format="json")
    assert response.status_code == 200
    assert response.json()["claimed_by"] == other.username


def test_a_call_handler_cannot_reassign_through_the_api(api, claimed):
    make_user(CALL_HANDLER, username="other")
    response = api.post(f"/api/v1/worklist/{claimed.pk}/reassign/", {"handler": "other"}, format="json")
    assert response.status_code == 403
