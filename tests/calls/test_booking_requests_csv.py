"""The booking team's CSV: every cell is shown as text, never run as a formula."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import BookingRequest, CallTaskStatus
from tests.support.call_factories import CallTaskFactory, scored_appointment

pytestmark = pytest.mark.django_db

FORMULA = "=cmd|' /C calc'!A0"


@pytest.fixture
def request_with_formulas(call_handler):
    """A booking request whose patient and appointment ids are formulas (data that reached
    the database before the importer refused such ids, or by another route)."""
    task = CallTaskFactory(
        status=CallTaskStatus.CLAIMED,
        claimed_by=call_handler,
        claimed_at=timezone.now(),
        appointment=scored_appointment(
            pas_id="@SUM(1+1)*cmd|' /C calc'!A0",
            patient__hospital_number=FORMULA,
            patient__given_name="-2+3",
            patient__family_name="",
            clinic__name='+HYPERLINK("http://evil")',
        ),
    )
    BookingRequest.objects.create(patient=task.patient, appointment=task.appointment, kind="rebook", source="call")
    return task


def _rows(response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_ids_and_names_that_are_formulas_are_written_as_text_in_the_booking_team_csv(
    client_for, team_lead, request_with_formulas
):
    [line] = _rows(client_for(team_lead).get(reverse("booking-requests-csv")))
    assert line["hospital_number"] == "'" + FORMULA
    assert line["appointment_id"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert line["patient"] == "'-2+3"
    assert line["clinic"] == '\'+HYPERLINK("http://evil")'


def test_no_cell_of_the_booking_team_csv_starts_with_a_formula_character(client_for, team_lead, request_with_formulas):
    response = client_for(team_lead).get(reverse("booking-requests-csv"))
    cells = [cell for row in csv.reader(io.StringIO(response.content.decode())) for cell in row]
    assert cells and not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
