"""The API, tried against its own OpenAPI schema with schemathesis: no operation answers 5xx.

The schema is read from the running app (/api/schema/), so every endpoint any app adds
under /api/v1/ is exercised, with generated valid and invalid input, as a superuser
holding an API token (every permission, so no operation stops at a 403). The number of
examples per operation is kept small so the suite stays fast.
"""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token

from accounts.roles import ADMIN
from config.wsgi import application
from tests.support.factories import make_user

MAX_EXAMPLES = 6


@pytest.fixture
def token(db):
    user = make_user(ADMIN, username="schemathesis")
    user.is_superuser = True
    user.save()
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
def test_no_api_operation_answers_with_a_server_error(case, token):
    response = case.call(headers={"Authorization": f"Token {token}"})
    assert response.status_code < 500, f"{case.method} {case.formatted_path} -> {response.status_code}"


def test_the_schema_lists_the_api_and_needs_a_login(client, token):
    assert client.get("/api/schema/").status_code in (401, 403)
    response = client.get("/api/schema/?format=json", HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200
    assert "/api/v1/me/" in response.json()["paths"]
