"""The targets pages and the board pack in a real browser: printed as a board would read it, and
with no accessibility violations in their content."""

import re
from datetime import date

import pytest

from tests.conftest import CHROMIUM
from tests.support.factories import ClinicFactory
from tests.targets.conftest import specialty_target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield browser.new_page()
        browser.close()


@pytest.fixture
def signed_in(live_server, director, month_of_gap, request):
    """The director signed in, with six months of a specialty's gap and a target for it (the data is
    made before the browser starts: Playwright's event loop refuses database calls after)."""
    clinic = ClinicFactory()
    for month in range(1, 7):
        month_of_gap(clinic, date(2025, month, 12), q1=(20 + month, 80), q5=(10, 90))
    target = specialty_target(clinic.specialty, director)
    page = request.getfixturevalue("page")
    page.target_id = target.pk  # for the tests, which may not ask the database once the browser runs
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", director.username)
    page.fill("#id_password", "correct-horse-battery")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    return page


def test_the_printed_board_pack_has_no_site_header_and_starts_each_section_on_a_new_page(signed_in, live_server):
    page = signed_in
    page.goto(f"{live_server.url}/board-pack/?month=2025-06")
    page.emulate_media(media="print")
    assert not page.is_visible(".nhsuk-header") and not page.is_visible("form.attend-no-print")
    breaks = page.eval_on_selector_all(
        ".attend-board-pack__section", "sections => sections.map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks == ["auto", "page", "page", "page"]
    assert page.locator("svg.attend-spc-svg").count() == 2  # the gap's chart and the target's
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") >= 3


@pytest.mark.parametrize(
    "path", ["/board-pack/?month=2025-06", "/targets/", "/targets/{target}/", "/targets/new/", "/dashboard/"]
)
def test_the_targets_pages_have_no_accessibility_violations(signed_in, live_server, path):
    from axe_playwright_python.sync_playwright import Axe

    page = signed_in
    page.goto(f"{live_server.url}{path.format(target=page.target_id)}")
    results = Axe().run(page, context="#maincontent")
    assert results.violations_count == 0, results.generate_report()
