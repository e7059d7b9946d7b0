import pytest
from django.urls import reverse

from pilots.allocation import allocate
from pilots.models import Allocation
from tests.support.call_factories import PilotFactory, scored_appointment

pytestmark = pytest.mark.django_db


def test_an_admin_can_create_a_pilot(client_for, admin_user):
    response = client_for(admin_user).post(
        reverse("admin:pilots_pilot_add"),
        {
            "name": "Transport calls, eye clinics",
            "starts_on": "2026-12-01",
            "ends_on": "2027-03-31",
            "eligibility": "risk_band",
            "minimum_band": "high",
            "intervention_weight": 1,
            "control_weight": 1,
            "block_size": 4,
            "seed": 123,
        },
    )
    assert response.status_code == 302
    assert response.url == reverse("admin:pilots_pilot_changelist")


def test_allocations_are_read_only_in_the_admin(client_for, admin_user):
    pilot = PilotFactory()
    allocate(pilot=pilot, appointments=[scored_appointment()])
    allocation = Allocation.objects.get()
    client = client_for(admin_user)
    assert client.get(reverse("admin:pilots_allocation_changelist")).status_code == 200
    response = client.post(reverse("admin:pilots_allocation_change", args=[allocation.pk]), {"arm": "control"})
    assert response.status_code == 403
    assert (
        client.post(reverse("admin:pilots_allocation_delete", args=[allocation.pk]), {"post": "yes"}).status_code == 403
    )


def test_a_pilots_randomisation_cannot_be_edited_once_it_has_allocated(client_for, admin_user):
    pilot = PilotFactory()
    allocate(pilot=pilot, appointments=[scored_appointment()])
    page = client_for(admin_user).get(reverse("admin:pilots_pilot_change", args=[pilot.pk])).content.decode()
    assert 'name="seed"' not in page
