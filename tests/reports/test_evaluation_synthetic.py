"""The evaluation recovers a pilot effect we put there ourselves.

Take the synthetic trust (appointments/synthetic.py), randomise its past appointments
1:1, and redraw every outcome from the model's own DNA probability, multiplying the odds
by a known ratio in the intervention arm. The true risk difference is then the mean, over
all those appointments, of p(treated) − p(untreated), and the true relative risk the ratio of
their means: the estimates' 95% intervals must cover them.
"""

from datetime import date

import numpy as np
import pytest

from appointments.models import Appointment
from demo import synthetic
from demo.trust import load_synthetic_trust
from patients.deprivation.quintiles import imd_quintile
from pilots.models import Allocation, Arm
from reports.evaluation import evaluate_pilot
from tests.reports.factories import PilotFactory

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

ODDS_RATIO = 0.6


def treated(probability: float) -> float:
    odds = probability / (1 - probability) * ODDS_RATIO
    return odds / (1 + odds)


@pytest.fixture
def simulated_pilot():
    trust = synthetic.generate(patients=2500, seed=7, today=date(2025, 6, 2))
    rng = np.random.default_rng(77)
    arms, untreated, treated_ = {}, [], []
    for appointment in trust.appointments:
        p = appointment.true_dna_probability
        if p is None or appointment.attendance_code == 0:
            continue  # cancelled or still to come: not in the evaluation
        arm = Arm.INTERVENTION if rng.random() < 0.5 else Arm.CONTROL
        untreated.append(p)
        treated_.append(treated(p))
        p_arm = treated(p) if arm == Arm.INTERVENTION else p
        appointment.attendance_code = 3 if rng.random() < p_arm else 5
        arms[appointment.pas_id] = (arm, imd_quintile(appointment.patient.area.imd_decile))
    load_synthetic_trust(trust)
    pilot = PilotFactory()
    ids = dict(Appointment.objects.filter(pas_id__in=arms).values_list("pas_id", "id"))
    Allocation.objects.bulk_create(
        Allocation(
            pilot=pilot,
            appointment_id=ids[pas_id],
            arm=arm,
            stratum=stratum,
            block_number=n,
            position_in_block=0,
            risk_probability=0.0,
        )
        for n, (pas_id, (arm, stratum)) in enumerate(arms.items())
    )
    return pilot, {
        "difference": np.mean(treated_) - np.mean(untreated),
        "ratio": np.mean(treated_) / np.mean(untreated),
    }


def test_the_estimated_effect_covers_the_true_effect(simulated_pilot):
    pilot, truth = simulated_pilot
    overall = evaluate_pilot(pilot).as_dict()["overall"]
    assert overall["rd_ci_low"] <= truth["difference"] <= overall["rd_ci_high"] < 0  # covered, and detected
    assert overall["rr_ci_low"] <= truth["ratio"] <= overall["rr_ci_high"] < 1


def test_the_stratified_effect_covers_the_true_effect(simulated_pilot):
    pilot, truth = simulated_pilot
    effect = evaluate_pilot(pilot).as_dict()["stratified"]
    assert effect["rd_ci_low"] <= truth["difference"] <= effect["rd_ci_high"] < 0
    assert effect["rr_ci_low"] <= truth["ratio"] <= effect["rr_ci_high"] < 1
    assert effect["not_estimable"] == []
