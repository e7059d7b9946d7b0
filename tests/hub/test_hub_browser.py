"""The collaborative's pages in a real browser: drawn under a strict CSP, with no accessibility violations."""

import re

import pytest
from django.core.management import call_command

from tests.conftest import CHROMIUM
from tests.reports.test_dashboard_browser import StrictCsp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGES = ("/collaborative/", "/collaborative/funnels/", "/collaborative/gap-over-time/", "/collaborative/pilots/")


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser.new_page()
        browser.close()


@pytest.fixture
def collaborative(settings):
    settings.ATTEND_HUB_ENABLED = True
    call_command("seed_collaborative", "--today", "2025-07-15")


def _sign_in(page, live_server, director):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", director.username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard/$"))


def test_the_collaborative_pages_draw_their_charts_under_a_strict_csp(
    live_server, director, collaborative, browser_page
):
    page, violations, csp = browser_page, [], StrictCsp()
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.route(re.compile(r".*/collaborative/.*"), csp)
    _sign_in(page, live_server, director)
    page.goto(f"{live_server.url}/collaborative/funnels/")
    assert page.locator("[data-testid=hub-funnel-rate] circle").count() == 3
    assert page.locator("[data-testid=hub-funnel-gap] circle").count() == 3
    page.goto(f"{live_server.url}/collaborative/gap-over-time/")
    assert page.locator("svg.attend-spc-svg").count() == 3
    page.goto(f"{live_server.url}/collaborative/pilots/")
    assert "Pooled (random effects, 2 trusts)" in page.inner_text("[data-testid=hub-pilot-effects]")
    assert csp.served == 3 and violations == []


def test_the_collaborative_pages_have_no_axe_accessibility_violations(
    live_server, director, collaborative, browser_page
):
    from axe_playwright_python.sync_playwright import Axe

    page = browser_page
    _sign_in(page, live_server, director)
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        results = Axe().run(page, context="#maincontent")
        assert results.violations_count == 0, f"{path}: {results.generate_report()}"
