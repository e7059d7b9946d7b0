"""API token authentication that honours the login lockout.

django-axes locks a login after ATTEND_LOGIN_FAILURE_LIMIT wrong passwords, but it guards
the login forms only: a DRF token is checked without a password, so a locked login's
tokens went on working. A lockout says the login may be under attack; until it lifts (the
cool-off passes, or an admin clears it), the person's tokens are refused too.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import get_user_model
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request


def login_is_locked_out(*, request: Any, user: Any) -> bool:
    """Whether django-axes has `user`'s login locked now (always False with AXES_ENABLED off)."""
    if not settings.AXES_ENABLED:
        return False
    credentials = {get_user_model().USERNAME_FIELD: user.get_username()}
    return AxesProxyHandler.is_locked(request, credentials)


class LockoutAwareTokenAuthentication(TokenAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, Any] | None:
        result = super().authenticate(request)
        if result is not None and login_is_locked_out(request=request._request, user=result[0]):
            raise AuthenticationFailed(
                "This login is locked after too many wrong passwords, so its API tokens are refused "
                "until the lock lifts."
            )
        return result
