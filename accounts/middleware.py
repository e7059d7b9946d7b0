"""Ending logins that have been idle too long, or open too long; keeping what a signed-in
person saw out of caches.

Django's own settings end a session when the browser closes (SESSION_EXPIRE_AT_BROWSER_CLOSE)
and bound its server-side life (SESSION_COOKIE_AGE). A shared ward PC is rarely closed, so
this middleware also ends a login after ATTEND_SESSION_IDLE_MINUTES without a request and,
however active, SESSION_COOKIE_AGE seconds after it began.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

STARTED_KEY = "attend_login_started"
LAST_SEEN_KEY = "attend_last_seen"
# The last-seen time is written at most this often, so not every request saves the session...
_MAX_LAST_SEEN_RESOLUTION_SECONDS = 60
# ...and at most a tenth of the idle limit: the time recorded can lag the last request by
# up to the resolution, and that lag comes off the idle spell a user is allowed.
_LAST_SEEN_RESOLUTION_SHARE = 0.1


def last_seen_resolution(idle_limit_seconds: float) -> float:
    """How stale the recorded last-seen time may get, in seconds. A user whose requests are
    never more than (limit - resolution) apart stays signed in: with a one-minute limit the
    resolution is 6 s, so requests 25 s (or 50 s) apart keep the login."""
    return min(_MAX_LAST_SEEN_RESOLUTION_SECONDS, idle_limit_seconds * _LAST_SEEN_RESOLUTION_SHARE)


class SessionTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        now = time.time()
        session = request.session
        started = session.get(STARTED_KEY)
        last_seen = session.get(LAST_SEEN_KEY)
        if started is None or last_seen is None:
            session[STARTED_KEY] = started or now
            session[LAST_SEEN_KEY] = now
            return
        idle_limit = settings.ATTEND_SESSION_IDLE_MINUTES * 60
        if now - last_seen > idle_limit:
            reason = f"You were signed out after {settings.ATTEND_SESSION_IDLE_MINUTES} minutes without activity."
        elif now - started > settings.SESSION_COOKIE_AGE:
            reason = "You were signed out because your login had reached its maximum length."
        else:
            reason = None
        if reason:
            logout(request)  # flushes the session; the view then sees an anonymous user
            messages.info(request, f"{reason} Log in again to carry on.")
            return
        if now - last_seen >= last_seen_resolution(idle_limit):
            session[LAST_SEEN_KEY] = now


class NoStoreWhenSignedInMiddleware:
    """Every response to a signed-in person (a login or an API token) carries
    `Cache-Control: no-store` (with private, no-cache, max-age=0): call cards, CSV exports
    and API responses show patient data, which must not be kept by the browser's cache, a
    shared ward PC's disk or a proxy. A view cannot opt out by setting its own caching.

    The user is read after the view, so a DRF token's user counts (DRF sets request.user)
    and a response to a request that signs someone out does not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            if "Cache-Control" in response:
                del response["Cache-Control"]
            add_never_cache_headers(response)
        return response
