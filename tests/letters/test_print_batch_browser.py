"""The post room's print batch in a real browser: on paper one letter a sheet with nothing of the
page around it, marked printed with one button, and no accessibility violations on screen."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from letters.planning import letters_plan
from letters.sending import letters_send_due
from tests.support.browser import axe_violations, log_in
from tests.support.factories import AppointmentFactory, PatientFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def batch_page(page, settings):
    """Two letters in today's batch and a post room user on the page."""
    settings.ATTEND_LETTER_BACKEND = "print"
    for family in ("Lovelace", "Hopper"):
        patient = PatientFactory(family_name=family, mobile="", address_line_1="12 Mill Lane", address_line_2="Leeds")
        AppointmentFactory(patient=patient, starts_at=timezone.now() + timedelta(days=7))
    letters_plan()
    letters_send_due()
    user = UserFactory(username="postroom")
    user.user_permissions.add(Permission.objects.get(codename="print_letters"))
    log_in(page, user)
    page.goto("/letters/print/")
    return page


def test_printed_each_letter_is_a_sheet_of_its_own_without_the_page_around_it(batch_page):
    page = batch_page
    assert page.locator("article.letters-letter").count() == 2
    page.emulate_media(media="print")
    assert not page.locator("header.nhsuk-header").is_visible()
    assert not page.locator("button:has-text('letters printed')").is_visible()
    breaks = page.eval_on_selector_all("article.letters-letter", "els => els.map(e => getComputedStyle(e).breakAfter)")
    assert breaks == ["page", "page"]


def test_the_post_room_marks_the_batch_printed(batch_page):
    batch_page.click("button:has-text('Mark 2 letters printed')")
    batch_page.wait_for_selector("text=2 letters marked printed")


def test_the_print_batch_has_no_accessibility_violations(batch_page):
    assert axe_violations(batch_page, context="#maincontent", impacts=None) == []
