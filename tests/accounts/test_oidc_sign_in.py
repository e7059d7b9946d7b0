"""Single sign-on against a real OpenID Connect provider on loopback (oidc-provider-mock, started
by the test): the authorisation-code flow end to end, roles and team from an Entra-style claim,
a person removed at the provider, and tokens that must be refused (accounts/oidc.py)."""

from __future__ import annotations

import re
import time
from urllib.parse import quote, urlsplit

import jwt
import oidc_provider_mock
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.oidc import StaffOIDCBackend
from accounts.roles import CALL_HANDLER, sync_roles
from calls.models import CallTask
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import TeamFactory

pytestmark = pytest.mark.django_db

HANDLERS_GROUP = "3f2b8c1e-0d6a-4c2e-9a57-entra-call-handlers"  # an Entra group object id
CLIENT_ID = "attend-test-client"


@pytest.fixture(scope="module")
def provider():
    with oidc_provider_mock.run_server_in_thread() as server:
        base = f"http://127.0.0.1:{server.server_port}"
        yield base, requests.get(f"{base}/.well-known/openid-configuration", timeout=5).json()


@pytest.fixture
def sso(settings, provider):
    base, discovery = provider
    settings.ATTEND_OIDC_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "accounts.oidc.StaffOIDCBackend"]
    settings.ATTEND_OIDC_ISSUER = discovery["issuer"]
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = discovery["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = discovery["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = discovery["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = discovery["jwks_uri"]
    settings.OIDC_RP_CLIENT_ID, settings.OIDC_RP_CLIENT_SECRET = CLIENT_ID, "test-secret"
    settings.OIDC_VERIFY_KID = False  # the mock's ID tokens carry no key id (Entra's and CIS2's do)
    settings.AXES_ENABLED = True  # login lockout in the chain, as in production
    settings.ATTEND_OIDC_ROLE_CLAIM = "groups"
    settings.ATTEND_OIDC_ROLE_MAP = f'{{"{HANDLERS_GROUP}": "Call handler"}}'
    settings.ATTEND_OIDC_TEAM_CLAIM = "department"
    settings.ATTEND_OIDC_TEAM_MAP = '{"Outpatients North": "North outreach"}'
    sync_roles()
    return base


def at_provider(base: str, sub: str, **claims) -> None:
    """Set the person's claims at the provider, as the trust's identity team would."""
    response = requests.put(f"{base}/users/{quote(sub)}", json={"email": f"{sub}@nhs.example", **claims}, timeout=5)
    assert response.status_code == 204


def sign_in(client, base: str, sub: str):
    """Attend → provider (the person authorises as `sub`) → Attend's callback; the final answer."""
    start = client.get(reverse("oidc_authentication_init"))
    assert start.status_code == 302 and start["Location"].startswith(base)
    authorised = requests.post(start["Location"], data={"sub": sub}, allow_redirects=False, timeout=5)
    callback = urlsplit(authorised.headers["Location"])
    assert callback.path == reverse("oidc_authentication_callback")
    return client.get(f"{callback.path}?{callback.query}", follow=True)


def test_a_call_handler_signs_in_through_the_provider_and_gets_their_teams_list(client, sso):
    north, south = TeamFactory(name="North outreach"), TeamFactory(name="South outreach")
    CallTaskFactory(team=north)
    CallTaskFactory(team=south)
    CallTaskFactory(team=south)
    at_provider(sso, "amira", groups=[HANDLERS_GROUP, "some-other-group"], department="Outpatients North",
                given_name="Amira", family_name="Khan")  # fmt: skip

    page = sign_in(client, sso, "amira")

    assert page.redirect_chain[-1][0] == reverse("calls-start")
    body = page.content.decode()
    assert "North outreach" in body
    assert re.search(r'id="count-waiting-now">\s*1\s*<', body)  # North's one call, not South's two
    user = get_user_model().objects.get(username="amira")
    assert list(user.groups.values_list("name", flat=True)) == [CALL_HANDLER.group]
    assert (user.first_name, user.has_usable_password(), user.staff_profile.team) == ("Amira", False, north)
    client.post(reverse("call-next"))
    assert CallTask.objects.get(claimed_by=user).team == north


def test_a_person_removed_from_the_group_at_the_provider_loses_access_at_their_next_sign_in(client, sso):
    TeamFactory(name="North outreach")
    at_provider(sso, "ben", groups=[HANDLERS_GROUP], department="Outpatients North")
    assert sign_in(client, sso, "ben").status_code == 200  # on the ward PC, still open

    at_provider(sso, "ben", groups=["some-other-group"], department="Outpatients North")
    elsewhere = Client()
    page = sign_in(elsewhere, sso, "ben")

    assert page.redirect_chain[-1][0] == reverse("login")
    assert "your account has no Attend role at the provider" in page.content.decode()
    assert not get_user_model().objects.get(username="ben").groups.exists()
    assert client.get(reverse("calls-start")).status_code == 403  # the session opened before


def test_someone_with_no_mapped_role_is_never_given_a_login(client, sso):
    at_provider(sso, "visitor", groups=["some-other-group"])
    page = sign_in(client, sso, "visitor")
    assert page.redirect_chain[-1][0] == reverse("login")
    assert not get_user_model().objects.filter(username="visitor").exists()


def test_a_local_password_login_is_never_taken_over_through_the_provider(client, sso, django_user_model):
    django_user_model.objects.create_user("breakglass", password="a long local password 1")
    at_provider(sso, "breakglass", groups=[HANDLERS_GROUP])
    page = sign_in(client, sso, "breakglass")
    assert "local password login" in page.content.decode()
    assert not django_user_model.objects.get(username="breakglass").groups.exists()


def _forged(claims: dict) -> str:
    """An ID token signed with a key the provider never published."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return jwt.encode(claims, pem, algorithm="RS256")


def test_a_forged_id_token_is_refused(client, sso, monkeypatch):
    at_provider(sso, "mallory", groups=[HANDLERS_GROUP])
    real_get_token = StaffOIDCBackend.get_token

    def forge(backend, payload):
        tokens = real_get_token(backend, payload)  # the provider's real answer, then a forged ID token
        real = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        return {**tokens, "id_token": _forged({**real, "sub": "mallory"})}

    monkeypatch.setattr(StaffOIDCBackend, "get_token", forge)
    page = sign_in(client, sso, "mallory")

    assert page.redirect_chain[-1][0] == reverse("login")
    assert "could not be verified" in page.content.decode()
    assert not get_user_model().objects.filter(username="mallory").exists()


@pytest.fixture
def own_key(settings, sso):
    """Tokens checked against a key of our own (mozilla-django-oidc's OIDC_RP_IDP_SIGN_KEY)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    settings.OIDC_RP_IDP_SIGN_KEY = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    settings.OIDC_USE_NONCE = False
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _token(private_pem, **claims) -> str:
    now = int(time.time())
    return jwt.encode({"sub": "x", "iat": now, "exp": now + 300, **claims}, private_pem, algorithm="RS256")


def test_a_token_signed_by_the_trusts_provider_for_another_application_is_refused(settings, own_key):
    backend = StaffOIDCBackend()
    good = backend.verify_token(_token(own_key, aud=CLIENT_ID, iss=settings.ATTEND_OIDC_ISSUER))
    assert good["aud"] == CLIENT_ID
    with pytest.raises(Exception, match="not for Attend"):
        backend.verify_token(_token(own_key, aud="another-trust-app", iss=settings.ATTEND_OIDC_ISSUER))
    with pytest.raises(Exception, match="not ATTEND_OIDC_ISSUER"):
        backend.verify_token(_token(own_key, aud=CLIENT_ID, iss="https://login.example/another-tenant"))


def test_sign_in_pages_do_not_exist_while_single_sign_on_is_off(client, settings):
    settings.ATTEND_OIDC_ENABLED = False
    assert client.get(reverse("oidc_authentication_init")).status_code == 404
    assert client.get(reverse("oidc_authentication_callback")).status_code == 404


def test_the_login_page_offers_single_sign_on_and_keeps_the_password_form_for_break_glass(client, sso):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("oidc_authentication_init")}"' in page
    assert "Break-glass administrator login" in page
