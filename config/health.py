"""/healthz: is the database reachable, and is the broker (if configured)?

Load balancers and docker-compose poll this; it reveals nothing about patients.
"""

from __future__ import annotations

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


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database(), "broker": _broker()}
    healthy = checks["database"] == "ok" and checks["broker"] != "unreachable"
    return JsonResponse({"status": "ok" if healthy else "unhealthy", **checks}, status=200 if healthy else 503)
