"""seed_demo's past pilot: randomised by Attend's own allocation, with a known effect, so a
director has an evaluation to read in the demo."""

import json
from collections import Counter

import pytest
from django.core.management import call_command
from django.urls import reverse

from appointments.models import DNA_CODES, Appointment
from demo.pilot import DEMO_PILOT_NAME
from pilots.models import Allocation, Arm, Pilot
from reports.evaluation import evaluate_pilot

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def seeded(capsys):
    call_command("seed_demo", "--patients", "4000", "--seed", "5", "--today", "2026-11-23", "--json")
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def test_the_pilot_is_randomised_in_balanced_blocks_within_each_imd_quintile(seeded):
    pilot = Pilot.objects.get(name=DEMO_PILOT_NAME)
    allocations = Allocation.objects.filter(pilot=pilot)
    assert allocations.count() == seeded["pilot"]["allocated"] > 200
    by_stratum = Counter(allocations.values_list("stratum", "arm"))
    for stratum in {s for s, _ in by_stratum}:
        difference = by_stratum[(stratum, Arm.INTERVENTION)] - by_stratum[(stratum, Arm.CONTROL)]
        assert abs(difference) <= pilot.block_size // 2
    assert all(0.15 <= a.risk_probability < 1 for a in allocations)


def test_support_prevents_dnas_only_in_the_intervention_arm(seeded):
    pilot = Pilot.objects.get(name=DEMO_PILOT_NAME)

    def dna_rate(arm):
        appointments = Appointment.objects.filter(allocation__pilot=pilot, allocation__arm=arm)
        return appointments.filter(attendance_code__in=DNA_CODES).count() / appointments.count()

    assert seeded["pilot"]["dnas_prevented"] > 0
    assert dna_rate(Arm.INTERVENTION) < dna_rate(Arm.CONTROL)
    overall = evaluate_pilot(pilot).as_dict()["overall"]
    assert overall["rd_ci_low"] < 0 and overall["risk_difference"] < 0


def test_a_director_reads_the_pilot_evaluation(seeded, client_for, director):
    pilot = Pilot.objects.get(name=DEMO_PILOT_NAME)
    page = client_for(director).get(reverse("dashboard-pilot", args=[pilot.pk])).content.decode()
    assert DEMO_PILOT_NAME in page and "IMD quintile 1" in page


def test_seeding_again_replaces_the_pilot_and_no_pilot_leaves_it_out(seeded):
    call_command("seed_demo", "--patients", "300", "--today", "2026-11-23")
    assert Pilot.objects.filter(name=DEMO_PILOT_NAME).count() == 1
    call_command("seed_demo", "--patients", "300", "--today", "2026-11-23", "--no-pilot")
    assert not Pilot.objects.exists() and not Allocation.objects.exists()
