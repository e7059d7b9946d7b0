import json

import pytest
from django.core.management import call_command

from pilots.models import Arm
from reports.evaluation import evaluate_pilot
from tests.reports.factories import (
    AllocationFactory,
    CallAttemptFactory,
    CallTaskFactory,
    PilotFactory,
    SupportOfferFactory,
)
from tests.support.factories import ClinicFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pilot(make_appointments):
    """100 intervention appointments with 10 DNAs, 100 control with 20 (half in each of quintiles 1 and 5);
    20 intervention patients reached in 30 calls; transport offered to 6, accepted by 5 (DNA 1), arranged 2."""
    pilot = PilotFactory()
    clinic, handler = ClinicFactory(), UserFactory()
    made = {}
    for arm, dnas in ((Arm.INTERVENTION, 10), (Arm.CONTROL, 20)):
        for stratum, decile in ((1, 1), (5, 10)):
            patient = PatientFactory(imd_decile=decile)
            codes = [3] * (dnas // 2) + [5] * (50 - dnas // 2) + [2, 4]  # two cancellations, excluded
            appointments = make_appointments(codes, patient=patient, clinic=clinic)
            for appointment in appointments:
                AllocationFactory(pilot=pilot, appointment=appointment, arm=arm, stratum=stratum)
            made[arm, stratum] = appointments
    intervention = made[Arm.INTERVENTION, 1] + made[Arm.INTERVENTION, 5]
    for index, appointment in enumerate(intervention[:30]):
        task = CallTaskFactory(appointment=appointment)
        attempt = CallAttemptFactory(task=task, handler=handler, result="reached" if index < 20 else "no_answer")
        if index < 6:  # intervention[0:5] are DNAs in quintile 1
            status = "arranged" if index >= 4 else ("accepted" if index >= 1 else "offered")
            SupportOfferFactory(attempt=attempt, status=status)
        if index == 6:
            SupportOfferFactory(attempt=attempt, status="accepted")
    return pilot


def test_evaluation_compares_arms_excluding_cancellations(pilot):
    result = evaluate_pilot(pilot).as_dict()
    overall = result["overall"]
    assert (overall["intervention"]["appointments"], overall["intervention"]["dnas"]) == (100, 10)
    assert (overall["control"]["appointments"], overall["control"]["dnas"]) == (100, 20)
    assert overall["risk_difference"] == pytest.approx(-0.10)
    assert overall["rd_ci_low"] < -0.10 < overall["rd_ci_high"]
    assert overall["relative_risk"] == pytest.approx(0.5)
    assert overall["test"] == "chi_square"
    assert 0.04 < overall["p_value"] < 0.06  # chi2 = 3.92 on 1 df


def test_evaluation_reports_each_imd_quintile(pilot):
    rows = {row["group"]: row for row in evaluate_pilot(pilot).as_dict()["by_imd_quintile"]}
    assert rows["IMD quintile 1"]["intervention"]["dnas"] == 5
    assert rows["IMD quintile 1"]["control"]["dnas"] == 10
    assert rows["IMD quintile 3"]["intervention"]["appointments"] == 0
    assert rows["IMD quintile 3"]["risk_difference"] is None


def test_evaluation_counts_calls_reach_and_the_value_of_dnas_avoided(pilot):
    result = evaluate_pilot(pilot, cost_per_dna=120, minutes_per_call=8).as_dict()
    assert result["calls"] == 30
    assert result["reached"] == 20
    assert result["reach_rate"] == pytest.approx(20 / 104)  # cancelled appointments were allocated too
    assert result["dnas_avoided"] == pytest.approx(10.0)
    assert result["calls_per_dna_avoided"] == pytest.approx(3.0)
    assert result["money_saved"] == pytest.approx(1200.0)
    assert result["handler_hours"] == pytest.approx(4.0)
    assert result["money_saved_per_handler_hour"] == pytest.approx(300.0)


def test_evaluation_reports_support_by_type_and_dna_rate_among_those_who_accepted(pilot):
    (transport,) = evaluate_pilot(pilot).as_dict()["support"]
    assert (transport["offered"], transport["accepted"], transport["arranged"]) == (7, 6, 2)
    # Accepted or arranged: appointments 1–6 of the fixture, of which 1–4 were DNAs.
    assert transport["accepted_appointments"] == 6
    assert transport["accepted_dnas"] == 4


def test_suppressed_evaluation_hides_small_counts_and_what_is_built_on_them(pilot):
    result = evaluate_pilot(pilot).as_dict(suppress=True)
    (transport,) = result["support"]
    assert transport["arranged"] is None and transport["accepted_dna_rate"] is None
    assert transport["offered"] == 7
    assert result["overall"]["risk_difference"] == pytest.approx(-0.10)


def test_evaluate_pilot_command_prints_json_on_its_last_line(pilot, capsys):
    call_command("evaluate_pilot", str(pilot.pk), "--json")
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["overall"]["intervention"]["dnas"] == 10


def test_evaluate_pilot_command_finds_a_pilot_by_name(pilot, capsys):
    call_command("evaluate_pilot", pilot.name)
    assert "intervention 10.0% of 100" in capsys.readouterr().out
