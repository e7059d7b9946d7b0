"""Password logins: who may still use one, and the TOTP code every one of them needs.

With single sign-on on (ATTEND_OIDC_ENABLED, accounts/oidc.py) staff sign in through the
trust's identity provider, which applies the trust's own multi-factor rules; a password is
then only the break-glass way in for the admins named in ATTEND_BREAK_GLASS_ADMINS, for when
the provider is down. Every password login that remains — those admins, or everyone while SSO
is off — needs a current code from the person's authenticator app (a confirmed django-otp TOTP
device, added with `manage.py add_totp_device`) unless ATTEND_PASSWORD_MFA is off (the demo
and the test suite only; production refuses it).

The rule is applied in the authentication backend, so it holds for every form that checks a
password (Attend's login page and the admin's), and a refusal counts as a failed login
towards django-axes' lockout like a wrong password.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django_otp import match_token

from accounts.roles import ADMIN, role_for

logger = logging.getLogger(__name__)


def password_login_refusal(user: Any) -> str:
    """Why `user` (whose password was right) may not sign in with a password now; "" if they may."""
    if settings.ATTEND_OIDC_ENABLED and not (
        user.username in settings.ATTEND_BREAK_GLASS_ADMINS and role_for(user) is ADMIN
    ):
        return "password logins are for break-glass admins only while single sign-on is on"
    return ""


class PasswordBackend(ModelBackend):
    """Django's username-and-password check, then the policy above and the TOTP code."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        otp_token: str | None = None,
        **kwargs: Any,
    ) -> Any:
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            return None
        refusal = password_login_refusal(user)
        if not refusal and settings.ATTEND_PASSWORD_MFA and match_token(user, (otp_token or "").strip()) is None:
            refusal = "no current code from a confirmed authenticator app"
        if refusal:
            logger.warning("Password login for user %s refused: %s", user.pk, refusal)
            return None
        return user


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin site's login (config/urls.py installs it): Attend's own page whenever a password
    alone is not enough (it asks for the code, and offers single sign-on); the admin's own page
    only where passwords need no code (the demo)."""
    from django.contrib import admin
    from django.contrib.admin.sites import AdminSite

    if settings.ATTEND_PASSWORD_MFA or settings.ATTEND_OIDC_ENABLED:
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"), login_url=reverse("login"))
    return AdminSite.login(admin.site, request, extra_context)
