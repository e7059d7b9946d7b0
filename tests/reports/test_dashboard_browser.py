"""The director's dashboard in a real browser: charts drawn under a strict CSP, no patient data."""

import re
from datetime import date

import pytest

from appointments.models import Appointment
from pilots.models import Arm
from tests.reports.factories import AllocationFactory, PilotFactory
from tests.support.browser import StrictCsp, axe_violations, csp_violations, log_in
from tests.support.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NHS_NUMBER = re.compile(r"\b\d{3} ?\d{3} ?\d{4}\b")
POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b")


@pytest.fixture
def trust_history(make_appointments):
    """Six months of outcomes in quintiles 1 and 5, and a pilot, all with counts of 5 or more."""
    pilot = PilotFactory(name="Calls for high-risk patients")
    poor = PatientFactory(imd_decile=1, postcode="AT1 2BC")
    rich = PatientFactory(imd_decile=10, postcode="AT9 8XY")
    for month in range(1, 7):
        day = date(2025, month, 14)
        make_appointments([3] * (14 - month) + [5] * 40, patient=poor, day=day)
        make_appointments([3] * 6 + [5] * 48, patient=rich, day=day)
    for index, appointment in enumerate(Appointment.objects.filter(patient=poor).order_by("id")[:200]):
        AllocationFactory(pilot=pilot, appointment=appointment, stratum=1,
                          arm=Arm.INTERVENTION if index % 2 else Arm.CONTROL)  # fmt: skip
    return [poor, rich]


def test_director_dashboard_draws_its_charts_and_shows_no_patient_data(live_server, director, trust_history, page):
    violations, csp = csp_violations(page), StrictCsp()
    page.route(re.compile(r".*/dashboard/$"), csp)

    log_in(page, director)
    page.wait_for_url(re.compile(r".*/dashboard/$"))  # a director lands on the dashboard
    page.goto(f"{live_server.url}/dashboard/")  # again, through the CSP route (redirects are not routed)
    page.wait_for_function(
        "document.querySelectorAll('canvas[data-chart]').length > 0 && "
        "Array.from(document.querySelectorAll('canvas[data-chart]')).every(c => Chart.getChart(c))"
    )

    charts = page.evaluate(
        """Array.from(document.querySelectorAll('canvas[data-chart]')).map(c => ({
             id: c.id, width: c.width, height: c.height, drawn: !!Chart.getChart(c),
             points: Chart.getChart(c) ? Chart.getChart(c).data.datasets[0].data.length : 0}))"""
    )
    assert {chart["id"] for chart in charts} == {"quintile-chart", "gap-chart", "rate-chart", "arms-chart"}
    for chart in charts:
        assert chart["drawn"] and chart["width"] > 0 and chart["height"] > 0 and chart["points"] > 0, chart
    assert csp.served == 1 and violations == []

    html = page.content()
    for patient in trust_history:
        assert patient.nhs_number not in html
        assert patient.family_name not in html
        assert patient.hospital_number not in html
    assert not NHS_NUMBER.search(page.inner_text("main"))
    assert not POSTCODE.search(html)


def test_director_dashboard_content_has_no_axe_accessibility_violations(live_server, director, trust_history, page):
    log_in(page, director)
    page.wait_for_url(re.compile(r".*/dashboard/$"))
    page.wait_for_function("Array.from(document.querySelectorAll('canvas[data-chart]')).every(c => Chart.getChart(c))")
    # The report's own content; the shared header is checked with the base template.
    assert axe_violations(page, context="#maincontent", impacts=None) == []
