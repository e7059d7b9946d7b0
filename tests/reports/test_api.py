import pytest
from django.urls import reverse

from pilots.models import Arm
from tests.reports.factories import AllocationFactory, PilotFactory
from tests.support.factories import PatientFactory

pytestmark = pytest.mark.django_db

DNA, ATTENDED = 3, 5


@pytest.fixture
def small_numbers(make_appointments):
    """Quintile 1: 3 DNAs in 40 (suppressed); quintile 3: 10 in 50 (withheld with it, the smallest
    other quintile: the month's total minus the rest would give quintile 1 back); quintile 5: 20 in 100."""
    make_appointments([DNA] * 3 + [ATTENDED] * 37, imd_decile=1)
    make_appointments([DNA] * 10 + [ATTENDED] * 40, imd_decile=5)
    make_appointments([DNA] * 20 + [ATTENDED] * 80, imd_decile=10)


def test_the_reports_api_refuses_people_without_report_access(client_for, call_handler):
    response = client_for(call_handler).get(reverse("api-report-dna-rates"), {"by": "imd_quintile"})
    assert response.status_code == 403


def test_the_reports_api_refuses_anonymous_callers(client):
    assert client.get(reverse("api-report-gap")).status_code in (401, 403)


def test_dna_rates_api_suppresses_small_counts_for_directors(client_for, director, small_numbers):
    body = client_for(director).get(reverse("api-report-dna-rates"), {"by": "imd_quintile"}).json()
    rows = {row["groups"]["imd_quintile"]: row for row in body["rows"]}
    assert rows[1] == {"groups": {"imd_quintile": 1}, "appointments": None, "dnas": None, "dna_rate": None,
                       "ci_low": None, "ci_high": None, "suppressed": True}  # fmt: skip
    assert rows[3]["suppressed"] is True and rows[3]["dnas"] is None
    assert rows[5]["dnas"] == 20


def test_dna_rates_api_gives_an_admin_every_count(client_for, admin_user, small_numbers):
    body = client_for(admin_user).get(reverse("api-report-dna-rates"), {"by": "imd_quintile"}).json()
    assert [row["dnas"] for row in body["rows"]] == [3, 10, 20]


def test_dna_rates_api_crosses_two_dimensions(client_for, admin_user, small_numbers):
    body = client_for(admin_user).get(reverse("api-report-dna-rates"), {"by": "sex", "by2": "imd_quintile"}).json()
    assert [row["groups"] for row in body["rows"]] == [
        {"sex": "F", "imd_quintile": 1},
        {"sex": "F", "imd_quintile": 3},
        {"sex": "F", "imd_quintile": 5},
    ]


def test_dna_rates_api_rejects_an_unknown_dimension(client_for, director):
    response = client_for(director).get(reverse("api-report-dna-rates"), {"by": "postcode"})
    assert response.status_code == 400


def test_gap_api_suppresses_a_gap_built_on_small_counts(client_for, director, small_numbers):
    (row,) = client_for(director).get(reverse("api-report-gap")).json()["rows"]
    assert row["gap_points"] is None and row["suppressed"] is True and row["q5_dnas"] == 20


def test_spc_api_returns_the_monthly_chart(client_for, director, small_numbers):
    body = client_for(director).get(reverse("api-report-spc"), {"measure": "dna_rate"}).json()
    assert body["measure"] == "dna_rate"
    assert [point["label"] for point in body["points"]] == ["2025-03"]
    assert body["mean"] is None and "at least 2" in body["warnings"][0]


def test_spc_api_gives_each_signal_in_words_and_the_icons(client_for, admin_user, make_appointments):
    from datetime import date

    for index in range(13):
        dnas = 12 if index == 12 else (2 if index % 2 == 0 else 3)
        day = date(2024 + index // 12, index % 12 + 1, 10)
        make_appointments([DNA] * dnas + [ATTENDED] * (20 - dnas), day=day, imd_decile=1)
    body = client_for(admin_user).get(reverse("api-report-spc"), {"measure": "dna_rate"}).json()
    last = body["points"][-1]
    assert last["special_cause"] == "above_upper_limit" and last["variation"] == "concern"
    assert last["description"] == "Concern: a point above the upper process limit"
    assert body["variation_icon"] == "concern_high"
    assert body["warnings"] == []
    assert body["periods"][0]["points"] == 13


def test_evaluation_api_suppresses_small_arms(client_for, director, make_appointments):
    pilot = PilotFactory()
    patient = PatientFactory(imd_decile=1)
    for arm, codes in ((Arm.INTERVENTION, [DNA] * 2 + [ATTENDED] * 30), (Arm.CONTROL, [DNA] * 9 + [ATTENDED] * 30)):
        for appointment in make_appointments(codes, patient=patient):
            AllocationFactory(pilot=pilot, appointment=appointment, arm=arm, stratum=1)
    body = client_for(director).get(reverse("api-pilot-evaluation", args=[pilot.pk])).json()
    assert body["overall"]["intervention"]["dnas"] is None
    assert body["overall"]["risk_difference"] is None
    assert body["overall"]["control"]["dnas"] == 9


def test_the_reports_are_in_the_openapi_schema(client_for, director):
    schema = client_for(director).get(reverse("api-schema")).content.decode()
    assert "/api/v1/reports/dna-rates/" in schema and "/api/v1/reports/pilots/{pilot_id}/evaluation/" in schema


def test_a_director_gets_only_the_tables_disclosure_control_covers(client_for, director, admin_user, small_numbers):
    # Sex by decile is in no director's table, so nothing was checked against it: refused, not half-suppressed.
    params = {"by": "sex", "by2": "imd_decile"}
    response = client_for(director).get(reverse("api-report-dna-rates"), params)
    assert response.status_code == 403 and "crossed with imd_quintile" in response.json()["detail"]
    assert client_for(admin_user).get(reverse("api-report-dna-rates"), params).status_code == 200


def test_the_api_withholds_the_same_cells_as_the_dashboard_for_the_same_period(client_for, director, small_numbers):
    api = client_for(director).get(reverse("api-report-dna-rates"), {"by": "specialty", "by2": "imd_quintile"}).json()
    by_quintile = {row["groups"]["imd_quintile"]: row["suppressed"] for row in api["rows"]}
    page = client_for(director).get(reverse("dashboard-start"))
    assert by_quintile == {row["imd_quintile"]: row["suppressed"] for row in page.context["quintiles"]}
