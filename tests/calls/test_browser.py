"""A call handler works the list in a real browser (Debian's Chromium, headless)."""

import pytest

from calls.models import CallTaskStatus, SupportOffer
from tests.support.browser import log_in, serious_violations
from tests.support.call_factories import CallTaskFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_handler_calls_next_records_the_outcome_with_support_and_the_list_updates(page, live_server, call_handler):
    first = CallTaskFactory(priority=0.9)
    CallTaskFactory(priority=0.4)
    log_in(page, call_handler)
    page.wait_for_url(f"{live_server.url}/calls/")  # a handler starts on the list
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
    log_in(page, call_handler)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Call next").click()
    page.wait_for_url(f"{live_server.url}/calls/{task.pk}/")
    assert serious_violations(page) == []


def test_submitting_without_an_outcome_shows_the_error_and_keeps_the_call(page, live_server, call_handler):
    task = CallTaskFactory()
    log_in(page, call_handler)
    page.get_by_role("button", name="Call next").click()
    page.get_by_role("button", name="Save the call").click()
    assert "Choose what happened on the call." in page.locator(".nhsuk-error-summary").inner_text()
    assert serious_violations(page) == []
    task.refresh_from_db()
    assert task.status == CallTaskStatus.CLAIMED


def test_the_team_page_and_booking_list_have_no_serious_accessibility_violations(page, live_server, team_lead):
    CallTaskFactory()
    log_in(page, team_lead)
    page.wait_for_url(f"{live_server.url}/team/")
    assert serious_violations(page) == []
    page.get_by_role("link", name="Booking-team list (rebook and cancel requests)").click()
    page.wait_for_url(f"{live_server.url}/team/booking-requests/")
    assert serious_violations(page) == []


def test_a_handler_works_the_list_to_its_end_and_call_next_goes_with_the_last_call(page, live_server, call_handler):
    answered, unanswered = CallTaskFactory(priority=0.9), CallTaskFactory(priority=0.5)
    log_in(page, call_handler)

    for task, outcome in ((answered, "Reached the patient"), (unanswered, "No answer")):
        page.get_by_role("button", name="Call next").click()
        page.wait_for_url(f"{live_server.url}/calls/{task.pk}/")
        page.get_by_label(outcome, exact=True).check()
        if outcome == "Reached the patient":
            page.get_by_label("Will attend").check()
        page.get_by_role("button", name="Save the call").click()
        page.wait_for_url(f"{live_server.url}/calls/")

    # The list agrees with itself: nothing waiting now, the unanswered call due again later, no live button.
    assert page.locator("#count-waiting-now").inner_text() == "0"
    assert page.locator("#count-done").inner_text() == "1"
    assert page.locator("#count-due-later").inner_text().startswith("1")
    assert "No call is waiting now" in page.locator("#nothing-waiting").inner_text()
    assert page.get_by_role("button", name="Call next").count() == 0
    assert serious_violations(page) == []


def test_a_lead_finds_a_patient_who_rings_back_by_phone_number_then_reassigns_the_call_from_no_default(
    page, live_server, team_lead, call_handler
):
    task = CallTaskFactory()
    call_handler.first_name, call_handler.last_name = "Casey", "Handler"
    call_handler.save()
    log_in(page, team_lead)
    page.wait_for_url(f"{live_server.url}/team/")

    page.get_by_role("link", name="Find a patient").click()
    page.get_by_label("Phone number, NHS number, hospital number or name").fill(task.patient.mobile[-4:])
    page.get_by_role("button", name="Search").click()
    assert task.patient.display_name in page.locator("#search-results").inner_text()
    assert serious_violations(page) == []
    page.get_by_role("button", name=f"Take this call to {task.patient.display_name}").click()
    page.wait_for_url(f"{live_server.url}/calls/{task.pk}/")  # the patient's card, with their open call
    assert task.patient.display_name in page.locator("h1").inner_text()

    page.get_by_role("link", name="Team").click()
    reassign = page.locator(f"#reassign-{task.pk}")
    assert reassign.evaluate("select => select.value") == ""  # one click gives nobody's call away
    reassign.select_option(label="Casey Handler")
    page.get_by_role("button", name=f"Reassign the call to {task.patient.display_name}").click()
    assert "given to Casey Handler" in page.get_by_role("status").first.inner_text()
    task.refresh_from_db()
    assert task.claimed_by == call_handler
