"""In a real browser, the pages and the API documentation work under the policy: Chromium
reports no Content Security Policy violation, and Swagger UI (self-hosted) renders."""

import pytest

from accounts.roles import ADMIN
from tests.conftest import CHROMIUM
from tests.support.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(monkeypatch, live_server):
    # Depends on live_server so the browser (and its keep-alive connections) closes first.
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the database calls the test
    # makes meanwhile are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.csp_violations = []
        page.on("console", lambda m: "Content Security Policy" in m.text and page.csp_violations.append(m.text))
        yield page
        browser.close()


@pytest.fixture
def admin():
    # Made before Playwright starts its event loop: inside it, Django would open a second
    # database connection outside the test's transaction.
    return make_user(ADMIN, username="admin")


def _log_in(page, base_url):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "admin")
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")


def test_the_login_page_runs_without_a_policy_violation(page, live_server):
    page.goto(f"{live_server.url}/login/")
    assert page.locator("h1").inner_text() == "Log in to Attend"
    assert page.csp_violations == []


def test_the_api_documentation_renders_from_attend_itself_under_the_policy(admin, page, live_server):
    _log_in(page, live_server.url)
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=15_000)
    assert "Attend API" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.csp_violations == []
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested)
