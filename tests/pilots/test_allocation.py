from collections import Counter

import pytest

from pilots.allocation import InvalidBlockSize, allocate, block_arms
from pilots.models import Allocation, Arm
from tests.support.call_factories import PilotFactory, scored_appointment
from tests.support.factories import PatientFactory

pytestmark = pytest.mark.django_db


def appointments_in_quintiles(per_decile: int, deciles=(1, 2, 5, 9, None)):
    return [
        scored_appointment(patient=PatientFactory(imd_decile=decile)) for decile in deciles for _ in range(per_decile)
    ]


def test_every_block_holds_the_arms_in_the_pilots_ratio():
    pilot = PilotFactory(intervention_weight=2, control_weight=1, block_size=6)
    for block in range(20):
        assert Counter(block_arms(pilot, stratum=3, block_number=block)) == {Arm.INTERVENTION: 4, Arm.CONTROL: 2}


def test_arms_are_balanced_within_each_imd_quintile_stratum():
    pilot = PilotFactory(block_size=4)
    allocate(pilot=pilot, appointments=appointments_in_quintiles(per_decile=8))
    per_stratum = Counter(Allocation.objects.filter(pilot=pilot).values_list("stratum", "arm"))
    # Deciles 1 and 2 are quintile 1 (16 appointments), 5 → 3, 9 → 5, unknown → stratum 0.
    assert per_stratum == {
        (1, Arm.INTERVENTION): 8,
        (1, Arm.CONTROL): 8,
        (3, Arm.INTERVENTION): 4,
        (3, Arm.CONTROL): 4,
        (5, Arm.INTERVENTION): 4,
        (5, Arm.CONTROL): 4,
        (0, Arm.INTERVENTION): 4,
        (0, Arm.CONTROL): 4,
    }


def test_patients_with_unknown_deprivation_form_their_own_stratum():
    pilot = PilotFactory()
    appointment = scored_appointment(patient=PatientFactory(imd_decile=None))
    allocate(pilot=pilot, appointments=[appointment])
    assert Allocation.objects.get(appointment=appointment).stratum == 0


def test_the_same_seed_gives_the_same_allocation():
    first = PilotFactory(seed=42)
    second = PilotFactory(seed=42)
    assert [block_arms(first, stratum=s, block_number=b) for s in range(6) for b in range(10)] == [
        block_arms(second, stratum=s, block_number=b) for s in range(6) for b in range(10)
    ]


def test_a_different_seed_gives_a_different_sequence():
    blocks = [block_arms(PilotFactory(seed=seed), stratum=1, block_number=b) for seed in (1, 2) for b in range(10)]
    assert blocks[:10] != blocks[10:]


def test_an_allocation_is_recorded_once_and_never_changes_on_a_rerun():
    pilot = PilotFactory()
    appointments = appointments_in_quintiles(per_decile=3)
    first = allocate(pilot=pilot, appointments=appointments[:7])
    again = allocate(pilot=pilot, appointments=appointments)
    assert {pk: again[pk] for pk in first} == first
    assert Allocation.objects.count() == len(appointments)


def test_a_block_size_that_does_not_fit_the_ratio_is_refused():
    pilot = PilotFactory(intervention_weight=2, control_weight=1, block_size=4)
    with pytest.raises(InvalidBlockSize):
        allocate(pilot=pilot, appointments=[scored_appointment()])
    assert not Allocation.objects.exists()


def test_allocating_the_same_appointments_again_from_scratch_reproduces_every_arm():
    pilot = PilotFactory(seed=7)
    appointments = appointments_in_quintiles(per_decile=5)
    first = allocate(pilot=pilot, appointments=appointments)
    Allocation.objects.all().delete()
    assert allocate(pilot=pilot, appointments=list(reversed(appointments))) == first
