"""The targets pages and the board pack in a real browser: printed as a board would read it, and
with no accessibility violations in their content."""

import re
from datetime import date

import pytest

from tests.support.browser import axe_violations, log_in
from tests.support.factories import ClinicFactory
from tests.targets.conftest import specialty_target

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(page, director, month_of_gap):
    """The director signed in, with six months of a specialty's gap and a target for it."""
    clinic = ClinicFactory()
    for month in range(1, 7):
        month_of_gap(clinic, date(2025, month, 12), q1=(20 + month, 80), q5=(10, 90))
    target = specialty_target(clinic.specialty, director)
    page.target_id = target.pk
    log_in(page, director)
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
    page = signed_in
    page.goto(f"{live_server.url}{path.format(target=page.target_id)}")
    assert axe_violations(page, context="#maincontent", impacts=None) == []
