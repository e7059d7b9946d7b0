"""A call handler works the list in a real browser (Debian's Chromium, headless)."""

import pytest
from django.db import connections

from calls.models import CallTaskStatus, SupportOffer
from tests.conftest import CHROMIUM
from tests.support.call_factories import CallTaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERIOUS = {"serious", "critical"}


@pytest.fixture
def page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.set_default_timeout(15_000)
        yield page
        browser.close()
        # While Playwright's loop runs, the test's ORM calls get their own connection
        # (asgiref keys connections by context): close it, or the test database cannot be dropped.
        connections.close_all()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']}: {v['help']} at {[(node['target'], node.get('failureSummary', '')) for node in v['nodes']]}"
        for v in violations
        if v.get("impact") in SERIOUS
    ]


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/calls/")


def test_a_handler_calls_next_records_the_outcome_with_support_and_the_list_updates(page, live_server, call_handler):
    first = CallTaskFactory(priority=0.9)
    CallTaskFactory(priority=0.4)
    log_in(page, live_server, "handler")
    assert page.locator("#count-waiting-now").inner_text() == "2"

    page.get_by_role("button", name="Call next").click()
    page.wait_for_url(f"{live_server.url}/calls/{first.pk}/")
    assert first.patient.display_name in page.locator("h1").inner_text()

    page.get_by_label("Reached the patient").check()
    page.get_by_label("Will attend").check()
    page.get_by_label("Travel-cost reimbursement (Healthcare Travel Costs Scheme)", exact=True).check()
    page.get_by_label("Travel-cost reimbursement (Healthcare Travel Costs Scheme): status").select_option("accepted")
    page.get_by_role("button", name="Save the call").click()

    page.wait_for_url(f"{live_server.url}/calls/")
    assert "recorded" in page.get_by_role("status").first.inner_text()
    assert page.locator("#count-waiting-now").inner_text() == "1"
    assert page.locator("#count-done").inner_text() == "1"
    first.refresh_from_db()
    assert first.status == CallTaskStatus.DONE
    assert SupportOffer.objects.get().status == "accepted"


def test_the_list_and_the_patient_card_have_no_serious_accessibility_violations(page, live_server, call_handler):
    task = CallTaskFactory()
    log_in(page, live_server, "handler")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Call next").click()
    page.wait_for_url(f"{live_server.url}/calls/{task.pk}/")
    assert serious_violations(page) == []


def test_submitting_without_an_outcome_shows_the_error_and_keeps_the_call(page, live_server, call_handler):
    task = CallTaskFactory()
    log_in(page, live_server, "handler")
    page.get_by_role("button", name="Call next").click()
    page.get_by_role("button", name="Save the call").click()
    assert "Choose what happened on the call." in page.locator(".nhsuk-error-summary").inner_text()
    assert serious_violations(page) == []
    task.refresh_from_db()
    assert task.status == CallTaskStatus.CLAIMED


def test_the_team_page_and_booking_list_have_no_serious_accessibility_violations(page, live_server, team_lead):
    CallTaskFactory()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/team/")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Booking-team list (rebook and cancel requests)").click()
    page.wait_for_url(f"{live_server.url}/team/booking-requests/")
    assert serious_violations(page) == []
