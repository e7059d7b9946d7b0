"""A login ends at browser close, after an idle spell, and after its maximum age."""

import json
import time

import pytest
from django.urls import reverse

from accounts.middleware import LAST_SEEN_KEY, STARTED_KEY
from tests.test_settings import GOOD, _manage

pytestmark = pytest.mark.django_db


def _age_session(client, **seconds_ago):
    session = client.session
    for key, ago in seconds_ago.items():
        session[key] = time.time() - ago
    session.save()


def test_an_active_login_keeps_working(client_for, call_handler):
    client = client_for(call_handler)
    client.get(reverse("calls-start"))
    _age_session(client, **{LAST_SEEN_KEY: 60})

    assert client.get(reverse("calls-start")).status_code == 200


def test_a_login_idle_for_longer_than_the_limit_is_signed_out(client_for, call_handler, settings):
    client = client_for(call_handler)
    client.get(reverse("calls-start"))
    _age_session(client, **{LAST_SEEN_KEY: settings.ATTEND_SESSION_IDLE_MINUTES * 60 + 5})

    response = client.get(reverse("calls-start"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session
    assert b"signed out after" in client.get(response["Location"]).content


def test_a_login_older_than_the_session_age_is_signed_out_however_active(client_for, call_handler, settings):
    client = client_for(call_handler)
    client.get(reverse("calls-start"))
    _age_session(client, **{STARTED_KEY: settings.SESSION_COOKIE_AGE + 5, LAST_SEEN_KEY: 1})

    response = client.get(reverse("calls-start"))

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_the_session_cookie_expires_when_the_browser_closes(client, call_handler):
    client.post(reverse("login"), {"username": "handler", "password": "correct-horse-battery"})
    cookie = client.cookies["sessionid"]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"]


def test_production_cookies_are_secure_and_hsts_is_on():
    code = (
        "import json; from django.conf import settings as s; print(json.dumps([s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_EXPIRE_AT_BROWSER_CLOSE]))"
    )
    result = _manage(["shell", "-c", code], GOOD)
    assert result.returncode == 0, result.stderr
    secure, csrf_secure, httponly, hsts, redirect, browser_close = json.loads(result.stdout.strip().splitlines()[-1])
    assert secure and csrf_secure and httponly and redirect and browser_close
    assert hsts >= 31_536_000


class _Clock:
    """time.time() for the session middleware, moved on by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_user_active_every_25_seconds_is_never_signed_out_by_a_one_minute_idle_limit(
    client_for, call_handler, settings, monkeypatch
):
    settings.ATTEND_SESSION_IDLE_MINUTES = 1
    clock = _Clock()
    monkeypatch.setattr("accounts.middleware.time.time", clock)
    client = client_for(call_handler)
    assert client.get(reverse("calls-start")).status_code == 200
    for _ in range(12):  # five minutes of work, a request every 25 s
        clock.now += 25
        response = client.get(reverse("calls-start"))
        assert response.status_code == 200, f"signed out {clock.now - 1_800_000_000:.0f} s in"


def test_a_one_minute_idle_limit_signs_out_about_a_minute_after_the_last_request(
    client_for, call_handler, settings, monkeypatch
):
    settings.ATTEND_SESSION_IDLE_MINUTES = 1
    clock = _Clock()
    monkeypatch.setattr("accounts.middleware.time.time", clock)
    client = client_for(call_handler)
    client.get(reverse("calls-start"))
    clock.now += 50
    assert client.get(reverse("calls-start")).status_code == 200
    clock.now += 55  # within the limit of the last request
    assert client.get(reverse("calls-start")).status_code == 200
    clock.now += 61
    assert client.get(reverse("calls-start")).status_code == 302
    assert "_auth_user_id" not in client.session
