"""Fixtures shared by every test, and the rules that skip tests whose services are absent.

- `@pytest.mark.postgres`: skipped unless the test database is PostgreSQL (set
  DATABASE_URL=postgres://…), because only Postgres shows what it tests
  (row locks, SKIP LOCKED, SQL aggregation at scale).
- `@pytest.mark.redis`: skipped unless REDIS_URL points at a reachable Redis; such
  tests start a real Celery worker process (see tests/support/worker.py).
- `@pytest.mark.browser`: skipped unless Debian's Chromium is installed. Browser tests use the
  system-test base (tests/support/browser.py) through the `chromium`, `page` and `phone` fixtures.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.conf import settings
from django.db.models.signals import post_save

from accounts.roles import ADMIN, CALL_HANDLER, DIRECTOR, TEAM_LEAD
from appointments.importing.models import ImportBatch, ImportStatus
from tests.support.browser import CHROMIUM, PHONE, browser_page, chromium_browser
from tests.support.factories import make_user


def _redis_reachable() -> bool:
    url = os.environ.get("REDIS_URL")
    if not url:
        return False
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError:
        return False
    return True


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    redis_ok = _redis_reachable()
    chromium_ok = shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM)
    reasons = {
        "postgres": None if on_postgres else "needs PostgreSQL: set DATABASE_URL=postgres://… (see .ci/run)",
        "redis": None if redis_ok else "needs a reachable Redis broker: set REDIS_URL=redis://… (see .ci/run)",
        "browser": None if chromium_ok else f"needs Chromium at {CHROMIUM} (apt-get install chromium)",
    }
    for item in items:
        for marker, reason in reasons.items():
            if reason and item.get_closest_marker(marker):
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for a module's browser tests (see tests/support/browser.py for why
    not one per session)."""
    from django.db import connections

    with chromium_browser() as browser:
        yield browser
    connections.close_all()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser context (nobody signed in) at 1,280 px, its base URL the live server:
    `page.goto("/calls/")`. Needs live_server, so the browser's connections close before it stops."""
    with browser_page(chromium, live_server.url) as page:
        yield page


@pytest.fixture
def phone(chromium, live_server):
    """As `page`, on a 390 px phone screen."""
    with browser_page(chromium, live_server.url, PHONE) as page:
        yield page


@pytest.fixture
def call_handler(db):
    return make_user(CALL_HANDLER, username="handler")


@pytest.fixture
def team_lead(db):
    return make_user(TEAM_LEAD, username="lead")


@pytest.fixture
def director(db):
    return make_user(DIRECTOR, username="director")


@pytest.fixture
def admin_user(db):
    return make_user(ADMIN, username="admin")


@pytest.fixture
def client_for(client):
    """`client_for(user)`: a test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def import_counts_add_up():
    """Every import that finishes in any test, by any route (command, API task,
    import_extract), accounts for each row it read exactly once:
    created + updated + unchanged + rejected + withdrawn == read."""

    def check(sender, instance: ImportBatch, **kwargs) -> None:
        if instance.status != ImportStatus.SUCCEEDED:
            return
        accounted = (
            instance.rows_created + instance.rows_updated + instance.rows_unchanged + instance.rows_rejected
            + instance.rows_withdrawn
        )  # fmt: skip
        assert accounted == instance.rows_read, (
            f"import {instance.file_name!r}: {instance.rows_read} read, but {instance.rows_created} created + "
            f"{instance.rows_updated} updated + {instance.rows_unchanged} unchanged + "
            f"{instance.rows_rejected} rejected + {instance.rows_withdrawn} withdrawn = {accounted}"
        )

    post_save.connect(check, sender=ImportBatch, dispatch_uid="import_counts_add_up")
    yield
    post_save.disconnect(sender=ImportBatch, dispatch_uid="import_counts_add_up")
