"""Each role's header lists the pages it can use; refusals and errors are pages with a way back."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from config.openapi import server_error

pytestmark = pytest.mark.django_db


def _nav(response) -> list[str]:
    return [link["label"] for link in response.context["navigation"]]


def test_each_role_sees_its_own_pages_in_the_header(client_for, call_handler, team_lead, director):
    assert _nav(client_for(call_handler).get(reverse("calls-start"))) == ["Today's calls", "Find a patient"]
    assert _nav(client_for(team_lead).get(reverse("team-start"))) == [
        "Today's calls", "Find a patient", "Team", "Booking requests", "Text replies",
    ]  # fmt: skip
    director_pages = ["Dashboard", "Targets", "Board pack", "Risk models"]
    assert _nav(client_for(director).get(reverse("dashboard-start"))) == director_pages


def test_the_header_marks_the_page_you_are_on(client_for, team_lead):
    body = client_for(team_lead).get(reverse("booking-requests")).content.decode()
    assert 'href="/team/booking-requests/" aria-current="page"' in body


def test_a_refused_page_says_why_and_offers_the_way_back(client_for, director):
    response = client_for(director).get(reverse("calls-start"))
    body = response.content.decode()
    assert response.status_code == 403
    assert "You cannot see this page" in body and 'href="/">Go to your start page' in body


def test_a_missing_page_is_an_attend_page_with_the_way_back(client_for, call_handler):
    response = client_for(call_handler).get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "Page not found" in body and "Go to your start page" in body and "nhsuk-header" in body


def test_a_server_error_page_renders_without_a_request_context():
    response = server_error(RequestFactory().get("/calls/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "Sorry, there is a problem with Attend" in body and "Go to your start page" in body
