"""Repeated wrong passwords lock a login for a while, on Attend's login page and the admin's."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from accounts.roles import ADMIN, CALL_HANDLER
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _lockout_on(settings):
    settings.AXES_ENABLED = True


RIGHT = "correct-horse-battery"


def _fail(client, url, username, times):
    for _ in range(times):
        client.post(url, {"username": username, "password": "wrong-password"})


def test_a_login_is_locked_after_the_failure_limit_even_with_the_right_password(client, settings):
    make_user(CALL_HANDLER, username="person")
    _fail(client, reverse("login"), "person", settings.AXES_FAILURE_LIMIT)

    response = client.post(reverse("login"), {"username": "person", "password": RIGHT})

    assert response.status_code == 429
    assert b"This login is locked for now" in response.content
    assert "_auth_user_id" not in client.session


def test_fewer_failures_than_the_limit_still_let_the_person_in(client, settings):
    make_user(CALL_HANDLER, username="person")
    _fail(client, reverse("login"), "person", settings.AXES_FAILURE_LIMIT - 1)

    response = client.post(reverse("login"), {"username": "person", "password": RIGHT})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_a_successful_login_clears_the_failure_count(client, settings):
    make_user(CALL_HANDLER, username="person")
    _fail(client, reverse("login"), "person", settings.AXES_FAILURE_LIMIT - 1)
    client.post(reverse("login"), {"username": "person", "password": RIGHT})

    assert not AccessAttempt.objects.filter(username="person").exists()


def test_the_lock_is_per_login_so_colleagues_behind_the_same_address_are_not_locked_out(client, settings):
    make_user(CALL_HANDLER, username="person")
    make_user(CALL_HANDLER, username="colleague")
    _fail(client, reverse("login"), "person", settings.AXES_FAILURE_LIMIT)

    response = client.post(reverse("login"), {"username": "colleague", "password": RIGHT})

    assert response.status_code == 302


def test_the_lock_lifts_after_the_cool_off_period(client, settings):
    make_user(CALL_HANDLER, username="person")
    _fail(client, reverse("login"), "person", settings.AXES_FAILURE_LIMIT)
    # Age the failures past the cool-off, as the clock would.
    AccessAttempt.objects.filter(username="person").update(
        attempt_time=AccessAttempt.objects.get(username="person").attempt_time - settings.AXES_COOLOFF_TIME * 2
    )

    response = client.post(reverse("login"), {"username": "person", "password": RIGHT})

    assert response.status_code == 302


def test_the_admin_login_is_locked_too(client, settings):
    make_user(ADMIN, username="boss")
    _fail(client, reverse("admin:login"), "boss", settings.AXES_FAILURE_LIMIT)

    response = client.post(reverse("admin:login"), {"username": "boss", "password": RIGHT})

    assert response.status_code == 429


def _api_me(client, token):
    return client.get(reverse("api-me"), headers={"Authorization": f"Token {token.key}"})


def test_a_locked_out_logins_api_tokens_are_refused_until_the_lock_lifts(client, settings):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=make_user(CALL_HANDLER, username="person"))
    assert _api_me(client, token).status_code == 200
    _fail(client, reverse("login"), "person", settings.AXES_FAILURE_LIMIT)

    refused = _api_me(client, token)
    assert refused.status_code == 403  # DRF answers 403, not 401, when session auth is listed first
    assert "locked" in refused.json()["detail"]

    AccessAttempt.objects.filter(username="person").update(
        attempt_time=AccessAttempt.objects.get(username="person").attempt_time - settings.AXES_COOLOFF_TIME * 2
    )
    assert _api_me(client, token).status_code == 200


def test_a_colleagues_token_works_while_another_login_is_locked(client, settings):
    from rest_framework.authtoken.models import Token

    make_user(CALL_HANDLER, username="person")
    token = Token.objects.create(user=make_user(CALL_HANDLER, username="colleague"))
    _fail(client, reverse("login"), "person", settings.AXES_FAILURE_LIMIT)

    assert _api_me(client, token).status_code == 200
