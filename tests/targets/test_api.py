import pytest
from django.urls import reverse

from tests.support.factories import ClinicFactory, SpecialtyFactory
from tests.targets.conftest import APRIL, specialty_target

pytestmark = pytest.mark.django_db


def test_the_api_lists_the_callers_targets_first_with_their_status(client_for, director, another_director,
                                                                   month_of_gap):  # fmt: skip
    clinic = ClinicFactory()
    month_of_gap(clinic, APRIL, q1=(20, 80), q5=(10, 90))
    specialty_target(SpecialtyFactory(), another_director)
    mine = specialty_target(clinic.specialty, director)
    rows = client_for(director).get(reverse("api-targets")).json()
    assert (rows[0]["id"], rows[0]["own"], rows[1]["own"]) == (mine.pk, True, False)
    assert rows[0]["status"] == "on_trajectory" and rows[0]["latest_gap_points"] == pytest.approx(10.0)
    assert rows[1]["status"] == "not_known"


def test_a_target_over_the_api_withholds_a_small_month_from_a_director(client_for, director, admin_user,
                                                                       month_of_gap):  # fmt: skip
    clinic = ClinicFactory()
    month_of_gap(clinic, APRIL, q1=(3, 37), q5=(10, 90))
    target = specialty_target(clinic.specialty, director)
    url = reverse("api-target", args=[target.pk])
    (month,) = client_for(director).get(url).json()["months"]
    assert (month["gap_points"], month["suppressed"], month["on_trajectory"]) == (None, True, None)
    (month,) = client_for(admin_user).get(url).json()["months"]
    assert month["gap_points"] == pytest.approx(-2.5) and month["on_trajectory"] is True


def test_call_handlers_get_no_targets_over_the_api(client_for, call_handler):
    assert client_for(call_handler).get(reverse("api-targets")).status_code == 403
