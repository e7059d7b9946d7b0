"""Beyond intention to treat: did the pilot narrow the gap, why it worked, whom it reached, and
its plan; and what each says when it cannot be estimated."""

import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from appointments.models import AttendanceCode
from calls.models import BookingRequest, CallResult, SupportStatus
from pilots.models import AnalysisPlan, Arm
from reminders.models import Reminder, ReminderStatus
from reports.findings import NO_CALLS, pilot_findings
from tests.reports.conftest import at
from tests.reports.factories import (
    AllocationFactory,
    CallAttemptFactory,
    CallTaskFactory,
    PilotFactory,
    SupportOfferFactory,
)
from tests.support.factories import AppointmentFactory, ClinicFactory, PatientFactory

pytestmark = pytest.mark.django_db

DAY = date(2025, 3, 10)


def allocate(pilot, *, arm, decile, codes, clinic=None, reached=0, called=None, patient=None, **patient_fields):
    """One patient of `decile` with one appointment per code, allocated to `arm`; the first `reached`
    of them reached by a call, the next `called - reached` called without an answer."""
    patient = patient or PatientFactory(imd_decile=decile, **patient_fields)
    clinic = clinic or ClinicFactory()
    made = []
    for index, code in enumerate(codes):
        appointment = AppointmentFactory(patient=patient, clinic=clinic, starts_at=at(DAY), attendance_code=code)
        AllocationFactory(pilot=pilot, appointment=appointment, arm=arm, stratum=(decile + 1) // 2)
        if index < (reached if called is None else called):
            result = CallResult.REACHED if index < reached else CallResult.NO_ANSWER
            CallAttemptFactory(task=CallTaskFactory(appointment=appointment), result=result)
        made.append(appointment)
    return made


@pytest.fixture
def pilot():
    """Quintiles 1 and 5, 50 happened appointments per arm in each. Intervention: 5 DNAs in Q1 and
    2 in Q5, 30 and 40 reached; control: 10 DNAs in Q1 and 3 in Q5, no one reached."""
    pilot = PilotFactory()
    for decile, dnas_i, dnas_c, reached in ((1, 5, 10, 30), (10, 2, 3, 40)):
        # reached first: in quintile 1, 2 of the 5 DNAs were reached
        codes_i = [3, 3] + [5] * (reached - 2) + [3] * (dnas_i - 2) + [5] * (50 - reached - (dnas_i - 2))
        allocate(pilot, arm=Arm.INTERVENTION, decile=decile, codes=codes_i, reached=reached)
        allocate(pilot, arm=Arm.CONTROL, decile=decile, codes=[3] * dnas_c + [5] * (50 - dnas_c))
    return pilot


def test_the_gap_change_is_the_difference_in_differences_between_arms(pilot):
    inequality = pilot_findings(pilot).as_dict()["inequality"]
    assert inequality["gap_by_arm"]["intervention"]["estimate"] == pytest.approx(0.10 - 0.04)
    assert inequality["gap_by_arm"]["control"]["estimate"] == pytest.approx(0.20 - 0.06)
    change = inequality["gap_change"]
    assert change["estimate"] == pytest.approx(0.06 - 0.14)
    assert change["ci_low"] < change["estimate"] < change["ci_high"]


def test_a_slope_index_needs_every_decile_and_says_so(pilot):
    sii = pilot_findings(pilot).as_dict()["inequality"]["sii"]["intervention"]
    assert sii["sii"] is None
    assert "Decile 2, 3, 4, 5, 6, 7, 8, 9 has no appointments" in sii["not_estimable"][0]


def test_the_complier_effect_divides_the_itt_effect_by_the_difference_in_reach(pilot):
    effect = pilot_findings(pilot).as_dict()["complier_effect"]
    assert effect["reach"]["intervention"]["count"] == 70 and effect["reach"]["control"]["count"] == 0
    assert effect["itt"] == pytest.approx(-0.06)  # −5 points in Q1, −1 in Q5, equal weights
    assert effect["reach_difference"] == pytest.approx(0.70)
    assert effect["cace"] == pytest.approx(-0.06 / 0.70)
    assert effect["cace_ci_low"] < effect["cace"] < effect["cace_ci_high"]


def test_for_a_director_the_complier_effect_on_a_small_count_is_suppressed_with_the_reason(pilot):
    effect = pilot_findings(pilot).as_dict(suppress=True)["complier_effect"]  # control: 0 reached
    assert effect["cace"] is None and effect["suppressed"]
    assert effect["not_estimable"] == ["Suppressed: built on a count under 5."]


def test_no_calls_recorded_is_said_and_nothing_about_reach_is_estimated():
    pilot = PilotFactory()
    allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[3] * 6 + [5] * 20)
    allocate(pilot, arm=Arm.CONTROL, decile=1, codes=[3] * 8 + [5] * 20)
    findings = pilot_findings(pilot).as_dict()
    assert findings["statements"] == [NO_CALLS]
    assert findings["complier_effect"]["cace"] is None
    assert "No patient in either arm was reached" in findings["complier_effect"]["not_estimable"][0]


def test_a_pilot_with_one_arm_empty_says_what_cannot_be_estimated_and_does_not_crash():
    pilot = PilotFactory()
    allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[3] * 6 + [5] * 20, reached=10)
    findings = pilot_findings(pilot).as_dict()
    assert "both arms" in findings["complier_effect"]["not_estimable"][0]
    assert findings["inequality"]["gap_change"]["estimate"] is None
    assert "cannot be estimated" in findings["inequality"]["statements"][0]
    assert "cannot be estimated yet" in findings["spill_over"]["statements"][0]
    assert "An arm has no appointments" in findings["timely_cancellations"]["statements"][0]


def test_support_is_counted_at_each_stage_up_to_used_on_the_day_with_the_dna_rate_there():
    pilot = PilotFactory()
    appointments = allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5, 5, 5, 3, 3], reached=5)
    statuses = [SupportStatus.USED, SupportStatus.USED, SupportStatus.ARRANGED, SupportStatus.ACCEPTED,
                SupportStatus.DECLINED]  # fmt: skip
    for appointment, status in zip(appointments, statuses, strict=True):
        SupportOfferFactory(attempt=appointment.call_tasks.get().attempts.get(), status=status)
    (transport, together) = pilot_findings(pilot).as_dict()["support_stages"]
    stages = {stage["stage"]: stage for stage in transport["stages"]}
    assert [stages[s]["offers"] for s in ("offered", "accepted", "arranged", "used")] == [5, 4, 3, 2]
    assert (stages["accepted"]["appointments"], stages["accepted"]["dnas"]) == (4, 1)
    assert (stages["used"]["dnas"], stages["used"]["dna_rate"]) == (0, 0.0)
    assert together["label"] == "All support"


def test_a_cancellation_counts_as_timely_only_with_a_request_two_days_ahead():
    pilot = PilotFactory()
    early, late, _no_request = allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[2, 2, 2])
    allocate(pilot, arm=Arm.CONTROL, decile=1, codes=[5, 3])
    for appointment, days in ((early, 3), (late, 1)):
        request = BookingRequest.objects.create(patient=appointment.patient, appointment=appointment, kind="cancel",
                                                source="sms")  # fmt: skip
        BookingRequest.objects.filter(pk=request.pk).update(created_at=appointment.starts_at - timedelta(days=days))
    arms = pilot_findings(pilot).as_dict()["timely_cancellations"]
    assert arms["intervention"]["patient_cancelled"]["count"] == 3
    assert arms["intervention"]["timely"]["count"] == 1
    assert arms["intervention"]["timely"]["of"] == 3  # the denominator includes cancellations
    assert arms["control"]["timely"]["count"] == 0


def test_spill_over_is_the_dna_rate_at_the_next_appointment_within_90_days_by_arm():
    pilot = PilotFactory()
    (index_i,) = allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5])
    (index_c,) = allocate(pilot, arm=Arm.CONTROL, decile=1, codes=[5])
    for patient, days, code in ((index_i.patient, 30, 5), (index_i.patient, 40, 3), (index_c.patient, 100, 3),
                                (index_c.patient, 20, 4), (index_c.patient, 60, 3)):  # fmt: skip
        AppointmentFactory(patient=patient, starts_at=at(DAY + timedelta(days=days)), attendance_code=code)
    spill = pilot_findings(pilot).as_dict()["spill_over"]
    # intervention: the next that happened is day 30 (attended); control: day 20 was cancelled, day 60 a DNA
    assert (spill["intervention"]["appointments"], spill["intervention"]["dnas"]) == (1, 0)
    assert (spill["control"]["appointments"], spill["control"]["dnas"]) == (1, 1)


def test_reach_by_quintile_warns_when_the_most_deprived_are_reached_less():
    pilot = PilotFactory()
    allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5] * 20, reached=6, called=20)
    allocate(pilot, arm=Arm.INTERVENTION, decile=10, codes=[5] * 20, reached=15, called=20)
    allocate(pilot, arm=Arm.INTERVENTION, decile=5, codes=[5] * 10, mobile="", reached=0, called=0)
    (appointment,) = allocate(pilot, arm=Arm.CONTROL, decile=1, codes=[5])
    Reminder.objects.create(appointment=appointment, rule="2d", due_at=appointment.starts_at,
                            status=ReminderStatus.DELIVERED)  # fmt: skip
    reach = pilot_findings(pilot).as_dict()["reach"][0]
    rows = {row["imd_quintile"]: row for row in reach["rows"]}
    assert (rows[1]["offered_call"], rows[1]["reached"], rows[1]["reached_share"]) == (20, 6, 0.3)
    assert rows[5]["reached"] == 15
    assert (rows[3]["callable_number"], rows[3]["offered_call"]) == (0, 0)
    assert all(row["delivered_reminder"] == 0 for row in reach["rows"])  # the reminder was in control
    expected = "quintile 1 (most deprived) than in quintile 5 had a call that reached the patient: 30.0%"
    assert any(expected in w and "(beyond chance)" in w for w in reach["warnings"])


def test_reach_for_a_director_hides_small_counts_and_keeps_the_warning_without_figures():
    pilot = PilotFactory()
    allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[5] * 20, reached=3, called=20)
    allocate(pilot, arm=Arm.INTERVENTION, decile=10, codes=[5] * 20, reached=15, called=20)
    reach = pilot_findings(pilot).as_dict(suppress=True)["reach"][0]
    q1 = next(row for row in reach["rows"] if row["imd_quintile"] == 1)
    assert q1["reached"] is None and q1["reached_share"] is None and q1["suppressed"]
    assert (
        "Fewer appointments in IMD quintile 1 (most deprived) than in quintile 5 had a call that reached the patient."
        in (reach["warnings"])
    )


def test_reach_is_also_given_by_ethnic_group_and_language(pilot):
    by = [reach["by"] for reach in pilot_findings(pilot).as_dict()["reach"]]
    assert by == ["imd_quintile", "ethnicity", "language"]


def test_the_plan_needs_the_sample_size_worked_out_from_the_trusts_own_rate(pilot):
    clinic = ClinicFactory()
    before = DAY - timedelta(days=200)
    for code in [3] * 10 + [5] * 90:  # the trust's own rate in the year before: 10%
        AppointmentFactory(clinic=clinic, starts_at=at(before), attendance_code=code)
    pilot.starts_on = DAY - timedelta(days=1)
    pilot.save()
    AnalysisPlan.objects.create(pilot=pilot, minimum_detectable_effect_points=5)
    plan = pilot_findings(pilot).as_dict()["analysis_plan"]
    assert plan["baseline_dna_rate"] == pytest.approx(0.10)
    assert (plan["needed_intervention"], plan["needed_control"]) == (435, 435)  # 10% against 5%
    assert (plan["achieved_intervention"], plan["achieved_control"]) == (100, 100)
    assert "fewer appointments than its plan needed" in plan["statements"][0]


def test_a_plan_whose_effect_exceeds_the_baseline_says_no_sample_size_can_detect_it(pilot):
    AnalysisPlan.objects.create(pilot=pilot, minimum_detectable_effect_points=20, baseline_dna_rate_percent=10)
    plan = pilot_findings(pilot).as_dict()["analysis_plan"]
    assert plan["needed_intervention"] is None and "no sample size can detect it" in plan["statements"][0]


def test_a_pilot_without_a_plan_has_none(pilot):
    assert pilot_findings(pilot).as_dict()["analysis_plan"] is None


def test_cancelled_appointments_are_not_in_the_dna_figures(pilot):
    allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[AttendanceCode.HOSPITAL_CANCELLED] * 3, reached=3)
    effect = pilot_findings(pilot).as_dict()["complier_effect"]
    assert effect["reach"]["intervention"]["of"] == 100  # the happened intervention appointments only


def test_the_pilot_page_shows_the_gap_change_cace_support_used_spill_over_and_reach(pilot, client_for, admin_user):
    content = client_for(admin_user).get(reverse("dashboard-pilot", args=[pilot.pk])).content.decode()
    for heading in ("Did the pilot narrow the gap?", "Complier average causal effect", "used on the day",
                    "Spill-over", "Reach, by deprivation", "Pre-registered analysis plan"):  # fmt: skip
        assert heading in content
    assert "Change in the gap, intervention − control (difference in differences): <strong>-8.0 points</strong>" in (
        content
    )


def test_a_pilot_page_without_calls_says_no_calls_were_recorded_instead_of_a_number(client_for, admin_user):
    pilot = PilotFactory()
    allocate(pilot, arm=Arm.INTERVENTION, decile=1, codes=[3] * 6 + [5] * 30)
    allocate(pilot, arm=Arm.CONTROL, decile=1, codes=[3] * 12 + [5] * 30)
    content = client_for(admin_user).get(reverse("dashboard-pilot", args=[pilot.pk])).content.decode()
    assert "No calls were recorded" in content and NO_CALLS in content


def test_the_evaluation_api_carries_the_findings_suppressed_for_a_director(pilot, director, admin_user):
    client = APIClient()
    client.force_authenticate(director)
    body = client.get(f"/api/v1/reports/pilots/{pilot.pk}/evaluation/").json()
    assert body["complier_effect"]["cace"] is None  # built on 0 control patients reached
    assert body["inequality"]["gap_change"]["estimate"] is None  # quintile 5, intervention: 2 DNAs
    assert body["inequality"]["statements"] == ["Suppressed: built on a count under 5."]
    assert [reach["by"] for reach in body["reach"]] == ["imd_quintile", "ethnicity", "language"]
    client.force_authenticate(admin_user)
    body = client.get(f"/api/v1/reports/pilots/{pilot.pk}/evaluation/").json()
    assert body["inequality"]["gap_change"]["estimate"] == pytest.approx(-0.08)
    assert body["complier_effect"]["cace"] == pytest.approx(-0.06 / 0.70)


def test_the_reach_api_answers_by_language_for_either_arm(pilot, director):
    client = APIClient()
    client.force_authenticate(director)
    body = client.get(f"/api/v1/reports/pilots/{pilot.pk}/reach/", {"by": "language", "arm": "all"}).json()
    assert body["by"] == "language" and body["arm"] == "all"
    (english,) = body["rows"]
    assert (english["group"], english["appointments"], english["reached"]) == ("en", 200, 70)
    assert client.get(f"/api/v1/reports/pilots/{pilot.pk}/reach/", {"by": "postcode"}).status_code == 400


def test_the_reach_api_is_in_the_openapi_schema(client_for, admin_user):
    assert "/api/v1/reports/pilots/{pilot_id}/reach/" in client_for(admin_user).get("/api/schema/").content.decode()


def test_evaluate_pilot_prints_the_complier_effect_and_carries_the_findings_in_json(pilot, capsys):
    call_command("evaluate_pilot", str(pilot.pk))
    out = capsys.readouterr().out
    assert "Complier average causal effect of being reached: -8.6 points" in out
    assert "Change in the Q1 − Q5 gap, intervention − control: -8.0 points" in out
    call_command("evaluate_pilot", str(pilot.pk), "--json")
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["complier_effect"]["cace"] == pytest.approx(-0.06 / 0.70)
    assert result["stratified"]["risk_difference"] == pytest.approx(-0.06)
