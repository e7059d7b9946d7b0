"""Who may use each endpoint, as the endpoint itself declares it.

A page declares its permission with `accounts.decorators.role_required(...)`, which records
it on the view as `required_permissions` (any one will do); an API view with
`permission_classes = [accounts.permissions.HasRole(...)]` (the `|` and `&` of DRF
permission classes are understood); a class-based page with Django's
`PermissionRequiredMixin.permission_required`. The few endpoints that are public, or open
to any signed-in member of staff, are listed here, each with its reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.urlwalk import Endpoint

# Reachable without a login.
PUBLIC = {
    "login": "the login page itself",
    "logout": "signing out is harmless (POST only)",
    "healthz": "for load balancers and docker-compose; reveals no patient data",
    "admin:login": "the admin's login page (locked out after failures like ours)",
    "admin:logout": "signing out is harmless (POST only)",
    "oidc_authentication_init": "starts single sign-on: sends the browser to the identity provider (404 when off)",
    "oidc_authentication_callback": "the identity provider's return: state, nonce, PKCE, token and claims checked",
}
# Provider webhooks authenticate by the provider's signature, not a login.
SIGNATURE_CHECKED_PREFIX = "/webhooks/"
# Any signed-in member of staff, whatever their role.
SIGNED_IN = {
    "home": "sends each person to their role's start page",
    "api-schema": "the OpenAPI schema: names endpoints, holds no patient data; login required",
    "api-docs": "Swagger UI over the schema; login required",
    "api-me": "who a login or token belongs to and which roles it carries",
}
# The Django admin checks is_staff and model permissions itself.
ADMIN_PREFIX = "/admin/"

Rule = Callable[[Any], bool]


def _from_permission_class(cls: Any) -> Rule | None:
    """A rule for a DRF permission class built with HasRole, or an `|`/`&` of them."""
    permission = getattr(cls, "required_permission", None)
    if permission is not None:
        return lambda user: user.has_perm(permission)
    operator = getattr(cls, "operator_class", None)
    if operator is not None:
        first, second = _from_permission_class(cls.op1_class), _from_permission_class(cls.op2_class)
        if first is None or second is None:
            return None
        if operator.__name__ == "OR":
            return lambda user: first(user) or second(user)
        if operator.__name__ == "AND":
            return lambda user: first(user) and second(user)
    return None


def declared_rule(endpoint: Endpoint) -> Rule | None:
    """Whether a signed-in user may use the endpoint, as declared; None if it declares nothing."""
    permissions = getattr(endpoint.callback, "required_permissions", None)
    if permissions:
        return lambda user: any(user.has_perm(permission) for permission in permissions)
    view_class = endpoint.view_class
    if view_class is None:
        return None
    required = getattr(view_class, "permission_required", None)
    if required:
        needed = (required,) if isinstance(required, str) else tuple(required)
        return lambda user: user.has_perms(needed)
    rules = [_from_permission_class(cls) for cls in getattr(view_class, "permission_classes", ())]
    if rules and all(rules):
        return lambda user: all(rule(user) for rule in rules)
    return None


def kind(endpoint: Endpoint) -> str:
    if endpoint.name in PUBLIC:
        return "public"
    if endpoint.path.startswith(SIGNATURE_CHECKED_PREFIX):
        return "webhook"
    if endpoint.name in SIGNED_IN:
        return "signed-in"
    if endpoint.path.startswith(ADMIN_PREFIX):
        return "admin"
    return "api" if endpoint.path.startswith("/api/") else "page"
