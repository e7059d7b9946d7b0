import csv
import io
import json
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from config.disclosure import Audience
from pilots.models import Arm
from reports.evaluation import evaluate_pilot
from reports.pilot_disclosure import pilot_disclosure
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
    evaluation = evaluate_pilot(pilot)
    result = pilot_disclosure(Audience.DIRECTOR, evaluation.overall, evaluation.by_quintile).evaluation(evaluation)
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


def _bulk_arm(pilot, *, arm, stratum, decile, dnas, total, clinic):
    """`total` happened appointments for one patient of `decile`, `dnas` of them DNAs, allocated to `arm`."""
    from appointments.models import Appointment
    from pilots.models import Allocation
    from tests.reports.conftest import at
    from tests.support.factories import AppointmentFactory

    patient = PatientFactory(imd_decile=decile)
    codes = [3] * dnas + [5] * (total - dnas)
    built = [AppointmentFactory.build(patient=patient, clinic=clinic, starts_at=at(date(2025, 3, 10)),
                                      attendance_code=code) for code in codes]  # fmt: skip
    appointments = Appointment.objects.bulk_create(built)
    Allocation.objects.bulk_create(
        Allocation(pilot=pilot, appointment=a, arm=arm, stratum=stratum, block_number=i,
                   position_in_block=0 if arm == Arm.INTERVENTION else 1,
                   risk_probability=0.3)
        for i, a in enumerate(appointments)
    )  # fmt: skip


@pytest.fixture
def simpsons_pilot():
    """Both quintiles: the intervention's DNA rate 5 points lower. But 4 in 5 intervention appointments are in
    quintile 1 (25% against 30%) and 4 in 5 control ones in quintile 5 (5% against 10%)."""
    pilot, clinic = PilotFactory(), ClinicFactory()
    for arm, stratum, decile, dnas, total in (
        (Arm.INTERVENTION, 1, 1, 100, 400), (Arm.CONTROL, 1, 1, 30, 100),
        (Arm.INTERVENTION, 5, 10, 5, 100), (Arm.CONTROL, 5, 10, 40, 400),
    ):  # fmt: skip
        _bulk_arm(pilot, arm=arm, stratum=stratum, decile=decile, dnas=dnas, total=total, clinic=clinic)
    return pilot


def points(value):
    return round(100 * value, 1)


def test_the_pilots_effect_is_the_mantel_haenszel_difference_not_the_crude_one(simpsons_pilot):
    result = evaluate_pilot(simpsons_pilot).as_dict()
    effect, crude = result["stratified"], result["overall"]
    assert (points(crude["risk_difference"]), points(crude["rd_ci_low"]), points(crude["rd_ci_high"])) == (
        7.0,
        2.3,
        11.7,
    )
    assert crude["group"] == "All (crude, not stratified)"
    assert (points(effect["risk_difference"]), points(effect["rd_ci_low"]), points(effect["rd_ci_high"])) == (
        -5.0, -10.6, 0.6,
    )  # fmt: skip
    assert effect["relative_risk"] < 1 and effect["rr_ci_low"] < 1 < effect["rr_ci_high"]
    assert effect["test"] == "cochran_mantel_haenszel" and 0.05 < effect["p_value"] < 0.2
    assert effect["heterogeneity_p"] == pytest.approx(1.0)  # −5 points in both quintiles
    assert effect["strata"] == ["IMD quintile 1", "IMD quintile 5"]
    # DNAs avoided come from the stratified effect: 5 points of 500 intervention appointments.
    assert result["dnas_avoided"] == pytest.approx(25.0)


def test_the_pilot_page_leads_with_the_stratified_effect_and_labels_the_crude_one(
    simpsons_pilot, client_for, admin_user
):
    content = client_for(admin_user).get(reverse("dashboard-pilot", args=[simpsons_pilot.pk])).content.decode()
    assert "-5.0 points" in content
    assert "95% interval -10.6 to +0.6" in content
    assert "Crude (not stratified): +7.0 points" in content
    assert content.index("-5.0 points") < content.index("Crude (not stratified)")


def test_the_arms_csv_starts_with_the_stratified_row(simpsons_pilot, client_for, admin_user):
    response = client_for(admin_user).get(reverse("dashboard-pilot-csv", args=[simpsons_pilot.pk, "arms"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows[0]["group"] == "All, stratified by IMD quintile (Mantel–Haenszel)"
    assert float(rows[0]["risk_difference"]) == pytest.approx(-0.05)
    assert rows[0]["test"] == "cochran_mantel_haenszel"
    assert rows[1]["group"] == "All (crude, not stratified)"
    assert float(rows[1]["risk_difference"]) == pytest.approx(0.07)


def test_a_pilot_with_one_arm_empty_says_what_cannot_be_estimated(make_appointments, client_for, admin_user):
    pilot = PilotFactory()
    for appointment in make_appointments([3] * 6 + [5] * 30, imd_decile=1):
        AllocationFactory(pilot=pilot, appointment=appointment, arm=Arm.INTERVENTION, stratum=1)
    result = evaluate_pilot(pilot).as_dict()
    assert result["stratified"]["risk_difference"] is None
    assert result["dnas_avoided"] is None and result["calls_per_dna_avoided"] is None
    reason = "No stratum has appointments in both arms, so no stratified effect can be estimated."
    assert result["stratified"]["not_estimable"] == [reason]
    page = client_for(admin_user).get(reverse("dashboard-pilot", args=[pilot.pk]))
    assert page.status_code == 200 and reason in page.content.decode()


def test_a_pilot_without_any_dna_says_the_difference_cannot_be_estimated(make_appointments, client_for, admin_user):
    pilot = PilotFactory()
    for arm, decile, stratum in ((Arm.INTERVENTION, 1, 1), (Arm.CONTROL, 1, 1), (Arm.INTERVENTION, 10, 5),
                                 (Arm.CONTROL, 10, 5)):  # fmt: skip
        for appointment in make_appointments([5] * 10, imd_decile=decile):
            AllocationFactory(pilot=pilot, appointment=appointment, arm=arm, stratum=stratum)
    effect = evaluate_pilot(pilot).as_dict()["stratified"]
    assert effect["risk_difference"] is None and effect["relative_risk"] is None and effect["p_value"] is None
    assert any("same outcome" in reason for reason in effect["not_estimable"])
    content = client_for(admin_user).get(reverse("dashboard-pilot", args=[pilot.pk])).content.decode()
    assert "cannot be estimated" in content


def test_the_command_prints_the_stratified_effect_first(simpsons_pilot, capsys):
    call_command("evaluate_pilot", str(simpsons_pilot.pk))
    lines = capsys.readouterr().out.splitlines()
    assert "stratified by IMD quintile" in lines[1] and "difference -5.0 points" in lines[1]
    assert "crude" in lines[2] and "difference +7.0 points" in lines[2]
