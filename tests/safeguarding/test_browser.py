"""The safeguarding list in a real browser: a lead reviews a child with a note, and the page has
no accessibility violations."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.roles import SAFEGUARDING_LEAD
from appointments.models import AttendanceCode
from safeguarding.services import safeguarding_list_dnas
from tests.support.browser import axe_violations, log_in
from tests.support.factories import AppointmentFactory, ClinicFactory, PatientFactory, SpecialtyFactory, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_in(page):
    """A Safeguarding lead signed in, with one child on the list."""
    lead = make_user(SAFEGUARDING_LEAD, username="safeguarding")
    paediatrics = ClinicFactory(specialty=SpecialtyFactory(treatment_function_code="420", name="Paediatric Service"))
    AppointmentFactory(
        patient=PatientFactory(family_name="Brightwater", date_of_birth=date(2015, 4, 2)), clinic=paediatrics,
        starts_at=timezone.now() - timedelta(days=2), attendance_code=AttendanceCode.DID_NOT_ATTEND,
    )  # fmt: skip
    safeguarding_list_dnas()
    log_in(page, lead)
    page.wait_for_url(re.compile(r".*/safeguarding/$"))
    return page


def test_a_lead_marks_a_child_reviewed_with_a_note(signed_in):
    page = signed_in
    assert "Brightwater" in page.inner_text("#maincontent") and "Was not brought" in page.inner_text("#maincontent")

    page.fill("textarea[name=note]", "Discussed with the GP; rebooked.")
    page.click("button:has-text('Mark reviewed')")

    page.wait_for_selector("text=marked reviewed")
    assert "No child is waiting for review." in page.inner_text("#maincontent")
    page.click("text=Show reviewed")
    assert "Discussed with the GP; rebooked." in page.inner_text("#maincontent")


def test_the_safeguarding_list_has_no_accessibility_violations(signed_in):
    assert axe_violations(signed_in, context="#maincontent", impacts=None) == []
