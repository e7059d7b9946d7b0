"""The monthly board pack: printable, and disclosure-controlled like the dashboard."""

from datetime import date
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from pilots.models import Arm
from tests.reports.conftest import at
from tests.reports.factories import AllocationFactory, PilotFactory
from tests.support.factories import ClinicFactory
from tests.targets.conftest import APRIL, ATTENDED, DNA, specialty_target

pytestmark = pytest.mark.django_db


@pytest.fixture
def april_with_a_small_cell(make_appointments):
    """April 2025: quintile 1 has 3 DNAs in 40 (suppressed), quintile 3 10 in 50 (withheld with it),
    quintile 5 20 in 100."""
    make_appointments([DNA] * 3 + [ATTENDED] * 37, imd_decile=1, day=APRIL)
    make_appointments([DNA] * 10 + [ATTENDED] * 40, imd_decile=5, day=APRIL)
    make_appointments([DNA] * 20 + [ATTENDED] * 80, imd_decile=10, day=APRIL)


def _pack(client, month="2025-04"):
    return client.get(reverse("board-pack"), {"month": month})


def test_a_directors_board_pack_withholds_the_small_cell_and_the_gap_built_on_it(client_for, director,
                                                                                 april_with_a_small_cell):  # fmt: skip
    response = _pack(client_for(director))
    assert response.status_code == 200
    pack = response.context["pack"]
    quintiles = {row["imd_quintile"]: row for row in pack["quintiles"]}
    assert quintiles[1]["dnas"] is None and quintiles[3]["dnas"] is None and quintiles[5]["dnas"] == 20
    assert pack["gap"]["gap_points"] is None
    assert [row["gap_points"] for row in pack["gap_over_time"]] == [None]
    content = response.content.decode()
    assert "7.5%" not in content and "20.0%" in content  # 3/40 is withheld; 20/100 is shown
    assert 'data-testid="disclosure-note"' in content


def test_an_admins_board_pack_shows_every_figure(client_for, admin_user, april_with_a_small_cell):
    pack = _pack(client_for(admin_user)).context["pack"]
    assert {row["imd_quintile"]: row["dnas"] for row in pack["quintiles"]} == {1: 3, 3: 10, 5: 20}
    assert pack["gap"]["gap_points"] == pytest.approx(7.5 - 20.0)


def test_the_board_pack_is_laid_out_for_printing(client_for, director, april_with_a_small_cell):
    content = _pack(client_for(director)).content.decode()
    assert "targets/board-pack.css" in content
    css = (Path(settings.BASE_DIR) / "static" / "targets" / "board-pack.css").read_text()
    assert "@media print" in css and "@page" in css and "break-before: page" in css
    assert ".nhsuk-header" in css.split("@media print", 1)[1]  # the site's header is not printed
    assert "<script>" not in content and " style=" not in content


def test_the_board_pack_holds_the_months_targets_as_they_stood_then(client_for, director, make_appointments):
    clinic = ClinicFactory()
    for day, q1_dnas in ((date(2025, 3, 10), 20), (APRIL, 40)):
        make_appointments([DNA] * q1_dnas + [ATTENDED] * (100 - q1_dnas), clinic=clinic, day=day, imd_decile=1)
        make_appointments([DNA] * 10 + [ATTENDED] * 90, clinic=clinic, day=day, imd_decile=10)
    specialty_target(clinic.specialty, director)
    march = _pack(client_for(director), "2025-03").context["pack"]["targets"]
    april = _pack(client_for(director), "2025-04").context["pack"]["targets"]
    assert march[0]["progress"].status == "on_trajectory"  # 10 points against March's 16
    assert april[0]["progress"].status == "off_trajectory"  # 30 points against April's 14


def test_the_board_pack_carries_the_pilots_stratified_effect(client_for, director):
    pilot = PilotFactory(name="Calls for quintile 1")
    for arm, dnas in ((Arm.INTERVENTION, 10), (Arm.CONTROL, 20)):
        for i in range(100):
            AllocationFactory(pilot=pilot, arm=arm, appointment__attendance_code=DNA if i < dnas else ATTENDED,
                              appointment__starts_at=at(APRIL), appointment__patient__imd_decile=1)  # fmt: skip
    response = _pack(client_for(director))
    assert response.context["pack"]["pilot"] == pilot
    assert response.context["pack"]["evaluation"]["stratified"]["risk_difference"] == pytest.approx(-0.10)
    assert 'data-testid="pilot-effect"' in response.content.decode()


def test_a_month_that_is_not_a_month_is_refused_clearly(client_for, director):
    response = _pack(client_for(director), "April")
    assert response.status_code == 400 and response.context["pack"] is None
    assert "Enter a valid date." in response.content.decode()


def test_a_month_not_yet_started_is_refused(client_for, director):
    response = _pack(client_for(director), "2999-01")
    assert response.status_code == 400
    assert "has not started yet" in response.content.decode()


def test_without_a_month_the_board_pack_is_the_last_complete_month_with_outcomes(
    client_for, director, april_with_a_small_cell
):
    response = client_for(director).get(reverse("board-pack"))
    assert response.context["pack"]["month"] == date(2025, 4, 1)
