"""The reach panel reads the channel plan: a callable number excludes patients who had asked not to
be called and counts a child (or anyone) reachable through a parent's or carer's number; a letter
posted and not returned counts as reached by letter; and why no text went is given beside it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import DoNotCall, DoNotCallSource
from letters.models import ChannelPlan, Letter, LetterStatus
from pilots.models import Arm
from reports.reach import pilot_reach
from tests.reports.factories import PilotFactory
from tests.reports.test_pilot_findings import allocate

pytestmark = pytest.mark.django_db
MOBILE = "+447700900123"
CARER = "+447700900999"


def _letter(appointment, status):
    return Letter.objects.create(
        appointment=appointment, appointment_starts_at=appointment.starts_at, due_on=appointment.starts_at.date(),
        why_letter="no mobile number", status=status, status_changed_at=timezone.now(),
    )  # fmt: skip


def test_callable_excludes_do_not_call_and_counts_a_carers_number(team_lead):
    pilot = PilotFactory()
    allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5], mobile=MOBILE, hospital_number="OWN")
    allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5], mobile="", contact_phone=CARER, hospital_number="CARER")
    (asked,) = allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5], mobile=MOBILE, hospital_number="ASKED")
    (lifted_before,) = allocate(
        pilot, arm=Arm.INTERVENTION, decile=1, codes=[5], mobile=MOBILE, hospital_number="LIFTED"
    )
    allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5], mobile="", hospital_number="NONE")
    recorded = {"source": DoNotCallSource.TEAM_LEAD, "recorded_by": team_lead}
    DoNotCall.objects.create(patient=asked.patient, recorded_at=asked.starts_at - timedelta(days=3), **recorded)
    DoNotCall.objects.create(
        patient=lifted_before.patient, recorded_at=lifted_before.starts_at - timedelta(days=3),
        lifted_at=lifted_before.starts_at - timedelta(days=1), **recorded,
    )  # fmt: skip

    (row,) = pilot_reach(pilot).rows

    # Their own mobile, the carer's number, and one whose do not call was lifted before the appointment.
    assert (row.appointments, row.counts["callable_number"]) == (5, 3)


def test_a_letter_posted_and_not_returned_counts_as_reached_by_letter():
    pilot = PilotFactory()
    appointments = allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5, 5, 5, 5], mobile="")
    statuses = [LetterStatus.DELIVERED, LetterStatus.PRINTED, LetterStatus.RETURNED, LetterStatus.PLANNED]
    for appointment, status in zip(appointments, statuses, strict=True):
        _letter(appointment, status)

    (row,) = pilot_reach(pilot).rows

    assert row.counts["reached_by_letter"] == 2


def test_why_no_text_is_given_beside_reach_and_small_counts_are_withheld_for_directors(client, director):
    pilot = PilotFactory()
    appointments = allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5] * 10, mobile="")
    for index, appointment in enumerate(appointments):
        why = "no mobile number" if index < 7 else "patient asked for post" if index < 9 else "patient opted out of SMS"
        ChannelPlan.objects.create(appointment=appointment, why_no_text=why, planned_at=timezone.now())

    reach = pilot_reach(pilot)
    assert reach.as_dict()["no_text_reasons"] == [
        {"reason": "no mobile number", "appointments": 7},
        {"reason": "patient asked for post", "appointments": 2},
        {"reason": "patient opted out of SMS", "appointments": 1},
    ]
    shown = {r["reason"]: r["appointments"] for r in reach.as_dict(suppress=True)["no_text_reasons"]}
    assert shown == {"no mobile number": 7, "patient asked for post": None, "patient opted out of SMS": None}

    client.force_login(director)
    response = client.get(reverse("api-pilot-reach", args=[pilot.pk]))
    assert response.status_code == 200
    assert {r["reason"]: r["appointments"] for r in response.json()["no_text_reasons"]}[
        "patient opted out of SMS"
    ] is None
