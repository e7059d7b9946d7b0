"""/healthz: is the database reachable, and is the broker (if configured)?

Load balancers and docker-compose poll this; it reveals nothing about patients. Apps add
fields of their own by registration (`register_health_check`), e.g. reminders reports how
many texts are in doubt after a crash: counts for monitoring to alert on, which never make
the service unhealthy (a load balancer taking the web server out would help nobody).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return "unreachable"
    return "ok"


def _broker() -> str:
    if settings.CELERY_BROKER_URL is None:
        return "not configured (tasks run in-process)"
    import redis

    try:
        redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return "unreachable"
    return "ok"


_REPORTED: dict[str, Callable[[], object]] = {}


def register_health_check(name: str, check: Callable[[], object]) -> None:
    """Report `check()` (small, JSON-serialisable, no patient data) as field `name` of /healthz."""
    _REPORTED[name] = check


def _reported() -> dict[str, object]:
    fields: dict[str, object] = {}
    for name, check in _REPORTED.items():
        try:
            fields[name] = check()
        except Exception:
            fields[name] = "unavailable"
    return fields


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "broker": _broker()}
    healthy = checks["database"] == "ok" and checks["broker"] != "unreachable"
    reported = _reported() if checks["database"] == "ok" else {}
    return JsonResponse(
        {"status": "ok" if healthy else "unhealthy", **checks, **reported}, status=200 if healthy else 503
    )
