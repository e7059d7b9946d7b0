"""Single sign-on through OpenID Connect: Microsoft Entra ID and NHS CIS2 Authentication.

mozilla-django-oidc runs the authorisation-code flow (with PKCE and a nonce) and checks the ID
token's signature against the provider's published keys. This backend adds what a trust needs
on top:

- the token must be for Attend (`aud` is our client id) from the trust's provider (`iss` is
  ATTEND_OIDC_ISSUER): Entra signs every application's tokens in a tenant with the same keys,
  so a signature alone does not say the token was meant for us;
- the person is found by a stable identifier claim (ATTEND_OIDC_USERNAME_CLAIM), never by
  email, and a local password account is never signed into through the provider;
- their roles and team are set from claims on every sign-in (ATTEND_OIDC_ROLE_CLAIM and
  ATTEND_OIDC_ROLE_MAP, ATTEND_OIDC_TEAM_CLAIM and ATTEND_OIDC_TEAM_MAP), so removing someone
  from the group at the provider takes their access away at their next sign-in: a person whose
  claims map to no role is refused, and loses the roles they had.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.models import StaffProfile, Team
from accounts.roles import ROLES, Role

logger = logging.getLogger(__name__)


class SignInRefused(SuspiciousOperation):
    """The provider vouched for the person, but Attend will not sign them in; says why."""


@lru_cache(maxsize=8)
def _json_map(setting: str, raw: str) -> dict[str, str]:
    try:
        mapping = json.loads(raw or "{}")
    except ValueError as exc:
        raise ImproperlyConfigured(f"Malformed setting {setting}: not JSON ({exc}).") from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise ImproperlyConfigured(
            f'Malformed setting {setting}: expected a JSON object of strings, e.g. {{"id": "x"}}.'
        )
    return {str(key): value for key, value in mapping.items()}


def role_map() -> dict[str, Role]:
    """ATTEND_OIDC_ROLE_MAP: claim value → Attend role (named by its group, e.g. "Call handler")."""
    by_group = {role.group: role for role in ROLES}
    mapping = _json_map("ATTEND_OIDC_ROLE_MAP", settings.ATTEND_OIDC_ROLE_MAP)
    unknown = sorted(set(mapping.values()) - by_group.keys())
    if unknown:
        raise ImproperlyConfigured(
            f"Malformed setting ATTEND_OIDC_ROLE_MAP: {', '.join(map(repr, unknown))} is not a role; "
            f"roles are {', '.join(by_group)}."
        )
    return {value: by_group[group] for value, group in mapping.items()}


def validate_oidc_settings() -> None:
    """Start-up check (accounts/apps.py): with OIDC on, the maps parse and a role map is given."""
    if not settings.ATTEND_OIDC_ENABLED:
        return
    if not role_map():
        raise ImproperlyConfigured(
            "Missing required setting ATTEND_OIDC_ROLE_MAP: with ATTEND_OIDC_ENABLED nobody could be given a role."
        )
    _json_map("ATTEND_OIDC_TEAM_MAP", settings.ATTEND_OIDC_TEAM_MAP)


def claim_values(claims: dict[str, Any], path: str) -> list[str]:
    """The string values at a claim path: "roles" (a string or list of strings), or a dotted
    path into objects and lists of objects, e.g. "nhsid_nrbac_roles.role_code" (CIS2)."""
    values: list[Any] = [claims]
    for part in path.split("."):
        reached: list[Any] = []
        for value in values:
            items = value if isinstance(value, list) else [value]
            reached += [item[part] for item in items if isinstance(item, dict) and part in item]
        values = reached
    flat = [item for value in values for item in (value if isinstance(value, list) else [value])]
    return [str(item) for item in flat if isinstance(item, str | int)]


def roles_from_claims(claims: dict[str, Any]) -> list[Role]:
    mapping = role_map()
    found = {mapping[value] for value in claim_values(claims, settings.ATTEND_OIDC_ROLE_CLAIM) if value in mapping}
    return [role for role in ROLES if role in found]


def team_from_claims(claims: dict[str, Any]) -> Team | None:
    """The first team the team claim names that exists in Attend (teams are made by an admin)."""
    mapping = _json_map("ATTEND_OIDC_TEAM_MAP", settings.ATTEND_OIDC_TEAM_MAP)
    names = [mapping.get(value, value) for value in claim_values(claims, settings.ATTEND_OIDC_TEAM_CLAIM)]
    teams = {team.name: team for team in Team.objects.filter(name__in=names)}
    return next((teams[name] for name in names if name in teams), None)


class StaffOIDCBackend(OIDCAuthenticationBackend):
    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        """The person the provider's callback names, or None: a token that fails any check, a
        provider that cannot be reached, or claims Attend refuses (the reason is left on the
        request for the callback page to show)."""
        try:
            return super().authenticate(request, **kwargs)
        except (SuspiciousOperation, jwt.PyJWTError, requests.RequestException) as exc:
            logger.warning("OIDC sign-in refused: %s", exc)
            if request is not None and not hasattr(request, "attend_sign_in_refused"):
                request.attend_sign_in_refused = "the sign-in could not be verified"
            return None

    def verify_token(self, token: str, **kwargs: Any) -> dict[str, Any]:
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is not for Attend (its aud is another client).")
        if payload.get("iss") != settings.ATTEND_OIDC_ISSUER:
            raise SuspiciousOperation(f"The ID token is from {payload.get('iss')!r}, not ATTEND_OIDC_ISSUER.")
        return payload

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> Any:
        """Claims from the signed ID token win over the userinfo endpoint's (Entra puts group
        ids and app roles only in the token); the two must be about the same subject."""
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub", payload.get("sub")) != payload.get("sub"):
            raise SuspiciousOperation("The userinfo answer is about another subject than the ID token.")
        try:
            return self.staff_sign_in({**userinfo, **payload})
        except SignInRefused as refusal:
            if self.request is not None:
                self.request.attend_sign_in_refused = str(refusal)
            raise

    def staff_sign_in(self, claims: dict[str, Any]) -> Any:
        """The member of staff these claims describe, created or brought up to date; raises
        SignInRefused when the claims give them no role, having taken away any roles they had
        (so their open sessions lose them too)."""
        username = str(claims.get(settings.ATTEND_OIDC_USERNAME_CLAIM) or "")[:150]
        if not username:
            raise SignInRefused(f"the provider sent no {settings.ATTEND_OIDC_USERNAME_CLAIM!r} claim")
        roles = roles_from_claims(claims)
        with transaction.atomic():
            user = self.UserModel.objects.select_for_update().filter(username=username).first()
            if user is not None and user.has_usable_password():
                raise SignInRefused("that username is a local password login, which single sign-on never takes over")
            if user is None and not roles:
                raise SignInRefused("your account has no Attend role at the provider")
            if user is None:
                user = self.UserModel(username=username)
                user.set_unusable_password()
            user.first_name = str(claims.get("given_name", user.first_name))[:150]
            user.last_name = str(claims.get("family_name", user.last_name))[:150]
            user.email = str(claims.get("email", user.email))[:254]
            user.is_staff = any(role.staff for role in roles)
            user.save()
            user.groups.set(Group.objects.filter(name__in=[role.group for role in roles]))
            if settings.ATTEND_OIDC_TEAM_CLAIM:
                StaffProfile.objects.update_or_create(user=user, defaults={"team": team_from_claims(claims)})
        if not roles:
            logger.warning("OIDC sign-in for user %s refused: no role in the claims; their roles were removed", user.pk)
            raise SignInRefused("your account has no Attend role at the provider")
        return user
