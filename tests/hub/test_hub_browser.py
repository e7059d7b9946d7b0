"""The collaborative's pages in a real browser: drawn under a strict CSP, with no accessibility violations."""

import re

import pytest
from django.core.management import call_command

from tests.support.browser import StrictCsp, axe_violations, csp_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PAGES = ("/collaborative/", "/collaborative/funnels/", "/collaborative/gap-over-time/", "/collaborative/pilots/")


@pytest.fixture
def collaborative(settings):
    settings.ATTEND_HUB_ENABLED = True
    call_command("seed_collaborative", "--today", "2025-07-15")


def test_the_collaborative_pages_draw_their_charts_under_a_strict_csp(live_server, director, collaborative, page):
    violations, csp = csp_violations(page), StrictCsp()
    page.route(re.compile(r".*/collaborative/.*"), csp)
    log_in(page, director)
    page.goto(f"{live_server.url}/collaborative/funnels/")
    assert page.locator("[data-testid=hub-funnel-rate] circle").count() == 3
    assert page.locator("[data-testid=hub-funnel-gap] circle").count() == 3
    page.goto(f"{live_server.url}/collaborative/gap-over-time/")
    assert page.locator("svg.attend-spc-svg").count() == 3
    page.goto(f"{live_server.url}/collaborative/pilots/")
    assert "Pooled (random effects, 2 trusts)" in page.inner_text("[data-testid=hub-pilot-effects]")
    assert csp.served == 3 and violations == []


def test_the_collaborative_pages_have_no_axe_accessibility_violations(live_server, director, collaborative, page):
    log_in(page, director)
    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        assert axe_violations(page, context="#maincontent", impacts=None) == [], path
