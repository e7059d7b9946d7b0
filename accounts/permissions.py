"""Role checks for the REST API, the same permissions as the pages' `role_required`.

    class CallTaskList(ListAPIView):
        permission_classes = [HasRole("accounts.work_call_list")]

API tokens (DRF TokenAuthentication) authenticate as the token's user, so a token carries
exactly that person's roles: a director's token is refused where a director's login is.

An API view that declares no permission is refused for everyone (`DenyByDefault` is the
default permission class), so a forgotten check fails closed, and
tests/security/test_access_control.py names the endpoint.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission


def HasRole(permission: str) -> type[BasePermission]:
    """A DRF permission class admitting signed-in people who hold `permission` (e.g.
    "accounts.view_reports"). The class records the permission as `required_permission`
    so the access-control test can check the endpoint against each role."""

    class _HasRole(BasePermission):
        required_permission = permission
        message = "Your role does not allow this."

        def has_permission(self, request: Any, view: Any) -> bool:
            user = request.user
            return bool(user and user.is_authenticated and user.has_perm(permission))

    _HasRole.__name__ = _HasRole.__qualname__ = f"HasRole({permission!r})"
    return _HasRole


class DenyByDefault(BasePermission):
    """The default for API views: refuse, until the view says which role it is for."""

    message = "This endpoint declares no role, so it is closed to everyone."

    def has_permission(self, request: Any, view: Any) -> bool:
        return False
