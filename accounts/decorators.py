from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse


def role_required(*permissions: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Signed-out people go to the login page; signed-in people holding none of `permissions`
    get 403. Several permissions mean any one of them will do (a page two roles may see)."""
    if not permissions:
        raise ValueError("role_required needs at least one permission.")

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not any(request.user.has_perm(permission) for permission in permissions):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        # Read by tests/security/test_access_control.py to check the page against each role.
        guarded.required_permissions = permissions  # type: ignore[attr-defined]
        return login_required(guarded)

    return decorator
