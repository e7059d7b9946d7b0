from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.models import AttendanceCode
from calls.building import build_worklists
from calls.models import CallTask, CallTaskStatus, TeamCapacity
from pilots.models import Allocation, Arm, Eligibility
from tests.support.call_factories import CallTaskFactory, PilotFactory, scored_appointment
from tests.support.factories import PatientFactory, TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = TeamFactory(calls_per_handler=3)
    TeamCapacity.objects.create(team=team, day=timezone.localdate(), handlers_on_shift=1)
    return team


def open_calls():
    return CallTask.objects.exclude(status=CallTaskStatus.CANCELLED)


def test_the_list_is_filled_up_to_handlers_on_shift_times_calls_each(team):
    for _ in range(5):
        scored_appointment(0.6)
    summary = build_worklists()
    assert open_calls().count() == 3
    assert summary["over_capacity"] == 2


def test_the_highest_risk_patients_are_called_first(team):
    probabilities = [0.35, 0.9, 0.5, 0.7, 0.4]
    for p in probabilities:
        scored_appointment(p)
    build_worklists()
    assert sorted(open_calls().values_list("priority", flat=True)) == [0.5, 0.7, 0.9]


def test_appointments_outside_the_days_ahead_window_are_not_called(team, settings):
    settings.ATTEND_CALL_DAYS_AHEAD_MIN, settings.ATTEND_CALL_DAYS_AHEAD_MAX = 3, 7
    scored_appointment(0.9, days_ahead=1)
    scored_appointment(0.9, days_ahead=10)
    inside = scored_appointment(0.9, days_ahead=4)
    build_worklists()
    assert list(open_calls().values_list("appointment", flat=True)) == [inside.pk]


def test_low_risk_appointments_are_not_called_without_a_pilot(team, settings):
    settings.ATTEND_CALL_MINIMUM_BAND = "high"
    scored_appointment(0.05)
    build_worklists()
    assert not open_calls().exists()


def test_one_call_covers_all_the_patients_upcoming_appointments(team):
    patient = PatientFactory()
    first = scored_appointment(0.6, days_ahead=4, patient=patient)
    second = scored_appointment(0.8, days_ahead=6, patient=patient)
    later = scored_appointment(0.1, days_ahead=20, patient=patient)
    build_worklists()
    call = open_calls().get()
    assert call.priority == 0.8
    assert call.appointment == first
    assert set(call.appointments.all()) == {first, second, later}


def test_nobody_is_called_twice_in_a_week(team):
    patient = PatientFactory()
    CallTaskFactory(
        team=team,
        appointment=scored_appointment(0.9, patient=patient, days_ahead=4),
        list_date=timezone.localdate() - timedelta(days=3),
        status=CallTaskStatus.DONE,
        attempts_made=1,
    )
    scored_appointment(0.9, patient=patient, days_ahead=6)
    summary = build_worklists()
    assert summary["recently_called_skipped"] == 1
    assert CallTask.objects.filter(patient=patient).count() == 1


def test_a_patient_called_more_than_a_week_ago_can_be_called_again(team):
    patient = PatientFactory()
    CallTaskFactory(
        team=team,
        appointment=scored_appointment(0.9, patient=patient, days_ahead=4),
        list_date=timezone.localdate() - timedelta(days=8),
        status=CallTaskStatus.DONE,
        attempts_made=1,
    )
    build_worklists()
    assert CallTask.objects.filter(patient=patient, status=CallTaskStatus.QUEUED).exists()


def test_a_cancelled_appointment_drops_off_the_list(team):
    call = CallTaskFactory(team=team)
    call.appointment.attendance_code = AttendanceCode.PATIENT_CANCELLED
    call.appointment.save()
    build_worklists()
    call.refresh_from_db()
    assert call.status == CallTaskStatus.CANCELLED


def test_an_appointment_moved_out_of_the_future_drops_off_the_list(team):
    call = CallTaskFactory(team=team)
    call.appointment.starts_at = timezone.now() - timedelta(hours=1)
    call.appointment.save()
    build_worklists()
    call.refresh_from_db()
    assert call.status == CallTaskStatus.CANCELLED


def test_a_patient_who_texted_stop_stays_on_the_list_and_is_still_added(team):
    call = CallTaskFactory(team=team)
    call.patient.sms_opt_out = True
    call.patient.save()
    stopped = scored_appointment(0.9, patient=PatientFactory(sms_opt_out=True))
    build_worklists()
    call.refresh_from_db()
    assert call.status == CallTaskStatus.QUEUED
    assert open_calls().filter(patient=stopped.patient).exists()


def test_building_twice_adds_nothing_more(team):
    for _ in range(2):
        scored_appointment(0.9)
    build_worklists()
    summary = build_worklists()
    assert summary["calls_created"] == 0
    assert open_calls().count() == 2


def test_open_calls_from_earlier_days_move_to_todays_list_and_stale_claims_are_released(team, call_handler):
    call = CallTaskFactory(
        team=team,
        list_date=timezone.localdate() - timedelta(days=1),
        status=CallTaskStatus.CLAIMED,
        claimed_by=call_handler,
    )
    build_worklists()
    call.refresh_from_db()
    assert (call.list_date, call.status, call.claimed_by) == (timezone.localdate(), CallTaskStatus.QUEUED, None)


def test_the_control_arm_gets_no_call(team):
    team.calls_per_handler = 100
    team.save()
    PilotFactory(eligibility=Eligibility.RISK_BAND, minimum_band="high")
    for _ in range(8):
        scored_appointment(0.8)
    build_worklists()
    control = set(Allocation.objects.filter(arm=Arm.CONTROL).values_list("appointment__patient", flat=True))
    intervention = set(Allocation.objects.filter(arm=Arm.INTERVENTION).values_list("appointment__patient", flat=True))
    called = set(open_calls().values_list("patient", flat=True))
    assert len(control) == 4
    assert called == intervention
    assert not called & control


def test_a_pilot_allocation_survives_a_rebuild_unchanged(team):
    PilotFactory()
    for _ in range(4):
        scored_appointment(0.8)
    build_worklists()
    before = dict(Allocation.objects.values_list("appointment", "arm"))
    build_worklists(day=timezone.localdate())
    assert dict(Allocation.objects.values_list("appointment", "arm")) == before


def test_a_top_n_pilot_allocates_only_as_many_as_capacity_allows(team):
    PilotFactory(eligibility=Eligibility.TOP_N)
    for p in (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95):
        scored_appointment(p)
    build_worklists()
    # 3 calls of capacity at a 1:1 ratio: the top 6 by risk are randomised.
    assert Allocation.objects.count() == 6
    assert min(Allocation.objects.values_list("risk_probability", flat=True)) == 0.5


def test_without_a_capacity_for_the_day_only_the_teams_call_handlers_count_as_on_shift():
    from accounts.roles import CALL_HANDLER, DIRECTOR, TEAM_LEAD
    from calls.building import team_capacity
    from tests.support.factories import make_user

    team = TeamFactory(name="Capacity team", calls_per_handler=4)
    make_user(CALL_HANDLER, username="cap-handler-1", team=team)
    make_user(CALL_HANDLER, username="cap-handler-2", team=team)
    make_user(TEAM_LEAD, username="cap-lead", team=team)
    make_user(DIRECTOR, username="cap-director", team=team)

    assert team_capacity(team, timezone.localdate()) == 2 * 4
