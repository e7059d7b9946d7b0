"""The API, tried against its own OpenAPI schema with schemathesis, as every role.

The schema is read from the running app (/api/schema/), so every endpoint any app adds
under /api/v1/ is exercised, with generated valid and invalid input, as a call handler,
a team lead, a director and an admin, each holding an API token, over data that fills
every list (an import batch still pending, waiting and claimed calls, a support offer).
Each answer must be documented: no server error, a documented status code and content
type, and a body that matches the schema. The number of examples per operation is kept
small so the suite stays fast.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.roles import ADMIN, CALL_HANDLER, DIRECTOR, TEAM_LEAD
from appointments.importing.models import ImportBatch
from calls.models import CallTaskStatus, SupportOffer, SupportType
from calls.transitions import call_transition
from config.wsgi import application
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import make_user

MAX_EXAMPLES = 6
ROLES = {role.group: role for role in (CALL_HANDLER, TEAM_LEAD, DIRECTOR, ADMIN)}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(params=list(ROLES))
def user(db, request):
    return make_user(ROLES[request.param], username=request.param.lower().replace(" ", "-"))


@pytest.fixture
def token(user):
    """An API token for the role, over data that gives every list something to show."""
    team = user.staff_profile.team
    ImportBatch.objects.create(file_name="pending.csv", file_sha256="0" * 64, file_size=10)
    CallTaskFactory(team=team)
    held = CallTaskFactory(team=team)
    call_transition(held, to=CallTaskStatus.CLAIMED, claimed_by=user, now=timezone.now())
    attempt = held.attempts.create(handler=user, result="reached")
    SupportOffer.objects.create(
        attempt=attempt, appointment=held.appointment, support_type=SupportType.TRANSPORT_ROUTES
    )
    return Token.objects.create(user=user).key


@pytest.fixture
def wsgi_app(db):
    """Attend's WSGI app, called in-process inside the test's transaction. Like Django's test
    client, keep the app from closing the test's database connection at the end of a request."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield application
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(wsgi_app, token):
    return schemathesis.openapi.from_wsgi(
        "/api/schema/?format=json", wsgi_app, headers={"Authorization": f"Token {token}"}
    )


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_api_answer_is_documented_in_the_schema_for_every_role(case, token):
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, checks=CHECKS)


def test_the_schema_lists_the_api_and_needs_a_login(client, db):
    token = Token.objects.create(user=make_user(ADMIN, username="reader")).key
    assert client.get("/api/schema/").status_code in (401, 403)
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert "/api/v1/me/" in response.json()["paths"]


def test_an_unknown_api_path_answers_json_as_the_schema_says(client, db):
    token = Token.objects.create(user=make_user(ADMIN, username="lost")).key
    response = client.get("/api/v1/worklist/not-a-number/", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such endpoint."}


def test_the_schema_declares_the_import_upload_as_a_file_so_clients_send_one(client, db):
    token = Token.objects.create(user=make_user(ADMIN, username="uploader")).key
    schema = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {token}").json()
    body = schema["paths"]["/api/v1/imports/"]["post"]["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]
    upload = schema["components"]["schemas"][body["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]]
    assert (upload["properties"]["file"]["type"], upload["properties"]["file"]["format"]) == ("string", "binary")
    assert upload["properties"]["mapping"]["format"] == "binary"
    assert upload["required"] == ["file"]
