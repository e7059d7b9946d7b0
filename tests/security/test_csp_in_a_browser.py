"""In a real browser, the pages and the API documentation work under the policy: Chromium
reports no Content Security Policy violation, and Swagger UI (self-hosted) renders."""

import pytest

from accounts.roles import ADMIN
from tests.support.browser import csp_violations, log_in
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def admin():
    return make_user(ADMIN, username="admin")


def test_the_login_page_runs_without_a_policy_violation(page, live_server):
    violations = csp_violations(page)
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "Log in to Attend"
    assert violations == []


def test_the_api_documentation_renders_from_attend_itself_under_the_policy(admin, page, live_server):
    violations = csp_violations(page)
    log_in(page, admin)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Attend API" in page.locator(".swagger-ui .info .title").inner_text()
    assert violations == []
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested)
