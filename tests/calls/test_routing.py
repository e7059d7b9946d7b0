"""Calls go to the team that can help: the team covering the appointment's site and specialty
(fallback: the trust's default team), patient-asked calls too; handlers who speak the patient's
language get those calls first, on both claim engines."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import StaffProfile
from accounts.roles import CALL_HANDLER, TEAM_LEAD
from calls.building import build_worklists
from calls.models import CallTask, TeamCapacity
from calls.requests import call_request_from_patient
from calls.transitions import claim_next_portable, claim_next_postgres
from tests.support.call_factories import CallTaskFactory, scored_appointment
from tests.support.factories import ClinicFactory, PatientFactory, SiteFactory, SpecialtyFactory, TeamFactory, make_user

pytestmark = pytest.mark.django_db


def _team(name, capacity=5, **covers):
    team = TeamFactory(name=name, calls_per_handler=capacity, **covers)
    TeamCapacity.objects.create(team=team, day=timezone.localdate(), handlers_on_shift=1)
    return team


def _appointment_at(site_code, specialty_code, probability=0.9, **patient):
    clinic = ClinicFactory(
        site=SiteFactory(ods_code=site_code), specialty=SpecialtyFactory(treatment_function_code=specialty_code)
    )
    return scored_appointment(probability, clinic=clinic, patient=PatientFactory(**patient))


def _team_of(appointment):
    return CallTask.objects.open().get(patient=appointment.patient).team


def test_a_call_goes_to_the_team_covering_its_site_and_specialty_not_the_first_team():
    _team("Everything", is_default=True)
    _team("North cardiology", site_code="RAT02", specialty_codes="320")
    children = _team("Children's", specialty_codes="420, 421")
    south = _team("South site", site_code="RAT01")
    cardiology_north = _appointment_at("RAT02", "320")
    paediatrics_south = _appointment_at("RAT01", "420")
    other_south = _appointment_at("RAT01", "110")

    build_worklists()

    assert _team_of(cardiology_north).name == "North cardiology"
    assert _team_of(paediatrics_south) == children  # a specialty is more specific than a site
    assert _team_of(other_south) == south


def test_a_call_no_team_covers_goes_to_the_default_team():
    _team("Cardiology", specialty_codes="320")
    default = _team("Outreach", is_default=True, site_code="RAT09")
    appointment = _appointment_at("RAT01", "110")

    summary = build_worklists()

    assert summary["calls_created"] == 1
    assert _team_of(appointment) == default


def test_a_full_covering_team_does_not_spill_into_a_team_that_does_not_cover_it():
    cardiology = _team("Cardiology", capacity=1, specialty_codes="320")
    _team("Dermatology", specialty_codes="330")
    first, second = _appointment_at("RAT01", "320", 0.9), _appointment_at("RAT01", "320", 0.8)

    summary = build_worklists()

    assert _team_of(first) == cardiology
    assert not CallTask.objects.open().filter(patient=second.patient).exists()
    assert summary["over_capacity"] == 1


def test_among_teams_that_cover_it_the_one_speaking_the_patients_language_gets_the_call():
    _team("Outreach A")
    polish = _team("Outreach B", languages="pl, ro")
    appointment = _appointment_at("RAT01", "110", preferred_language="pl")
    build_worklists()
    assert _team_of(appointment) == polish


def test_a_patient_asked_call_goes_to_the_covering_team():
    _team("Outreach", is_default=True)
    children = _team("Children's", specialty_codes="420")
    appointment = _appointment_at("RAT01", "420")
    task = call_request_from_patient(patient=appointment.patient)
    assert task.team == children


def test_a_team_lists_codes_separated_by_commas():
    team = TeamFactory(name="Bad", specialty_codes="320; 330")
    with pytest.raises(ValidationError, match="separated by commas"):
        team.full_clean()


def test_only_one_team_is_the_default():
    TeamFactory(name="One", is_default=True)
    # PostgreSQL names the constraint; SQLite names the column it covers.
    with pytest.raises(IntegrityError, match=r"one_default_team|accounts_team\.is_default"), transaction.atomic():
        TeamFactory(name="Two", is_default=True)


@pytest.fixture
def polish_list():
    team = TeamFactory(name="Outreach")
    english = [CallTaskFactory(team=team, priority=p) for p in (0.9, 0.8)]
    polish = CallTaskFactory(
        team=team, priority=0.4, appointment=scored_appointment(0.4, patient=PatientFactory(preferred_language="pl"))
    )
    speaker = make_user(CALL_HANDLER, username="speaker", team=team)
    StaffProfile.objects.filter(user=speaker).update(languages="pl")
    other = make_user(CALL_HANDLER, username="other", team=team)
    return team, speaker, other, english, polish


def _first_claims(claim, team, handler):
    with transaction.atomic():
        order = [claim(team.pk, handler, timezone.now()).pk for _ in range(3)]
        transaction.set_rollback(True)
    return order


def test_a_polish_speaking_handler_gets_the_polish_speaking_patients_call_first(polish_list):
    team, speaker, other, english, polish = polish_list
    assert _first_claims(claim_next_portable, team, speaker) == [polish.pk, english[0].pk, english[1].pk]
    assert _first_claims(claim_next_portable, team, other) == [english[0].pk, english[1].pk, polish.pk]


@pytest.mark.postgres
def test_the_postgresql_claim_gives_the_polish_speaking_handler_the_polish_call_first(polish_list):
    team, speaker, other, english, polish = polish_list
    assert _first_claims(claim_next_postgres, team, speaker) == [polish.pk, english[0].pk, english[1].pk]
    assert _first_claims(claim_next_postgres, team, other) == [english[0].pk, english[1].pk, polish.pk]
    with transaction.atomic():
        assert claim_next_postgres(None, speaker, timezone.now()).pk == polish.pk  # "my own team"
        transaction.set_rollback(True)


def test_the_team_page_says_what_the_team_covers(client):
    team = TeamFactory(name="Cardiology", site_code="RAT01", specialty_codes="320", languages="pl", is_default=True)
    client.force_login(make_user(TEAM_LEAD, username="cardiolead", team=team))
    page = client.get("/team/").content.decode()
    assert "site RAT01, specialties 320; patients who prefer pl first" in page
    assert "every call no other team covers" in page
