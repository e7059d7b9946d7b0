"""Password logins: a TOTP code for every one that remains, and with single sign-on on, only the
named break-glass admins may use one (accounts/sign_in.py)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import ADMIN, CALL_HANDLER
from tests.support.factories import make_user
from tests.test_settings import GOOD, _manage

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple 19"


@pytest.fixture(autouse=True)
def _mfa_on(settings):
    settings.ATTEND_PASSWORD_MFA = True


def login_as(role, username):
    user = make_user(role, username=username)
    user.set_password(PASSWORD)
    user.save()
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def post_login(client, username, otp_token=""):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD, "otp_token": otp_token})


def signed_in(client) -> bool:
    return client.get(reverse("home")).status_code == 302 and not client.get(reverse("home"))["Location"].startswith(
        reverse("login")
    )


def test_a_right_password_without_the_authenticator_code_is_refused(client):
    login_as(CALL_HANDLER, "hana")
    response = post_login(client, "hana")
    assert response.status_code == 200
    assert "current code from your authenticator app" in response.content.decode()
    assert not signed_in(client)


def test_a_right_password_with_the_current_code_signs_in(client):
    _, device = login_as(CALL_HANDLER, "hana")
    assert post_login(client, "hana", code(device)).status_code == 302
    assert signed_in(client)


def test_a_code_cannot_be_used_twice(client):
    _, device = login_as(CALL_HANDLER, "hana")
    used = code(device)
    post_login(client, "hana", used)
    client.logout()
    assert post_login(client, "hana", used).status_code == 200
    assert not signed_in(client)


def test_a_login_without_an_authenticator_app_cannot_sign_in_with_a_password(client):
    _, device = login_as(CALL_HANDLER, "hana")
    device.delete()
    assert post_login(client, "hana", "123456").status_code == 200


def test_with_single_sign_on_on_a_staff_password_login_is_refused_even_with_its_code(client, settings):
    settings.ATTEND_OIDC_ENABLED = True
    settings.ATTEND_BREAK_GLASS_ADMINS = ["root-breakglass"]
    _, device = login_as(CALL_HANDLER, "hana")
    assert post_login(client, "hana", code(device)).status_code == 200
    assert not signed_in(client)


def test_with_single_sign_on_on_only_a_named_break_glass_admin_signs_in_with_a_password(client, settings):
    settings.ATTEND_OIDC_ENABLED = True
    settings.ATTEND_BREAK_GLASS_ADMINS = ["root-breakglass"]
    _, named = login_as(ADMIN, "root-breakglass")
    _, other = login_as(ADMIN, "another-admin")
    assert post_login(client, "another-admin", code(other)).status_code == 200
    assert post_login(client, "root-breakglass", code(named)).status_code == 302
    assert signed_in(client)


def test_the_admin_site_signs_in_on_attends_page_which_asks_for_the_code(client):
    response = client.get(reverse("admin:login") + "?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert 'name="otp_token"' in client.get(response["Location"]).content.decode()


def test_add_totp_device_gives_a_break_glass_admin_an_authenticator(capsys):
    user = make_user(ADMIN, username="root-breakglass")
    user.set_password(PASSWORD)
    user.save()
    call_command("add_totp_device", "root-breakglass")
    assert "otpauth://totp/" in capsys.readouterr().out
    assert TOTPDevice.objects.get(user=user).confirmed


def test_production_refuses_password_logins_without_a_code():
    result = _manage(["check"], {**GOOD, "ATTEND_PASSWORD_MFA": "false"})
    assert result.returncode != 0
    assert "Malformed setting ATTEND_PASSWORD_MFA" in result.stderr
