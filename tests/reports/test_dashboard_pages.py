import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from pilots.models import Arm
from reports.models import DisparityTarget
from tests.reports.factories import AllocationFactory, PilotFactory
from tests.support.factories import PatientFactory

pytestmark = pytest.mark.django_db

DNA, ATTENDED = 3, 5


@pytest.fixture
def small_numbers(make_appointments):
    """Quintile 1: 3 DNAs in 40 (suppressed); quintile 3: 10 DNAs in 50 (withheld with it, the smallest
    other quintile: the month's total minus the rest would give quintile 1 back); quintile 5: 20 in 100."""
    make_appointments([DNA] * 3 + [ATTENDED] * 37, imd_decile=1)
    make_appointments([DNA] * 10 + [ATTENDED] * 40, imd_decile=5)
    make_appointments([DNA] * 20 + [ATTENDED] * 80, imd_decile=10)


def test_the_dashboard_is_for_people_who_may_view_reports(client_for, call_handler):
    assert client_for(call_handler).get(reverse("dashboard-start")).status_code == 403


def test_the_dashboard_renders_for_a_director_with_no_data(client_for, director):
    response = client_for(director).get(reverse("dashboard-start"))
    assert response.status_code == 200
    assert b"No appointments have happened in this period." in response.content


def test_director_dashboard_suppresses_small_counts_and_the_gap_built_on_them(client_for, director, small_numbers):
    response = client_for(director).get(reverse("dashboard-start"))
    quintiles = {row["imd_quintile"]: row for row in response.context["quintiles"]}
    assert quintiles[1]["dnas"] is None and quintiles[1]["dna_rate"] is None
    assert quintiles[5]["dnas"] == 20
    assert response.context["gap"]["gap_points"] is None
    assert b"7.5%" not in response.content  # 3/40, the suppressed rate
    assert b"20.0%" in response.content


def test_an_admin_sees_the_unsuppressed_figures(client_for, admin_user, small_numbers):
    response = client_for(admin_user).get(reverse("dashboard-start"))
    assert {row["imd_quintile"]: row["dnas"] for row in response.context["quintiles"]} == {1: 3, 3: 10, 5: 20}


def test_the_page_embeds_chart_data_for_the_browser_and_no_inline_script(client_for, director, small_numbers):
    content = client_for(director).get(reverse("dashboard-start")).content.decode()
    assert 'id="quintile-chart-data" type="application/json"' in content
    assert 'data-chart="interval-bars"' in content
    assert "<script>" not in content and " style=" not in content


def test_director_csv_download_is_suppressed_and_audited(client_for, director, small_numbers):
    response = client_for(director).get(reverse("dashboard-csv", args=["dna-rate-by-quintile"]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert response["Content-Type"].startswith("text/csv")
    assert [(r["imd_quintile"], r["dnas"], r["suppressed"]) for r in rows] == [
        ("1", "", "True"),
        ("3", "", "True"),
        ("5", "20", "False"),
    ]
    assert AuditEvent.objects.filter(action="export", target_id="dna-rate-by-quintile").exists()


@pytest.mark.parametrize("name", ["dna-rate-by-decile", "gap", "gap-by-specialty", "gap-by-site", "gap-over-time",
                                  "dna-rate-over-time"])  # fmt: skip
def test_every_dashboard_table_downloads_as_csv_without_small_counts(client_for, director, small_numbers, name):
    response = client_for(director).get(reverse("dashboard-csv", args=[name]))
    assert response.status_code == 200
    for row in csv.DictReader(io.StringIO(response.content.decode())):
        assert row.get("dnas") != "3" and row.get("q1_dnas") != "3"


def test_a_suppressed_decile_takes_its_quintile_partner_with_it(client_for, director, admin_user, make_appointments):
    # Decile 9 is small; decile 10 is not, but quintile 5 (shown) minus decile 10 would give
    # decile 9 away, so a director sees neither decile. Deciles 1 and 2 stand on their own.
    make_appointments([DNA] * 3 + [ATTENDED] * 37, imd_decile=9)
    make_appointments([DNA] * 20 + [ATTENDED] * 80, imd_decile=10)
    make_appointments([DNA] * 10 + [ATTENDED] * 90, imd_decile=1)
    make_appointments([DNA] * 12 + [ATTENDED] * 88, imd_decile=2)

    def deciles(user):
        response = client_for(user).get(reverse("dashboard-csv", args=["dna-rate-by-decile"]))
        return {
            r["imd_decile"]: (r["dnas"], r["suppressed"])
            for r in csv.DictReader(io.StringIO(response.content.decode()))
        }

    assert deciles(director) == {"1": ("10", "False"), "2": ("12", "False"), "9": ("", "True"), "10": ("", "True")}
    assert deciles(admin_user) == {
        "1": ("10", "False"),
        "2": ("12", "False"),
        "9": ("3", "False"),
        "10": ("20", "False"),
    }


def test_an_unknown_table_is_not_found(client_for, director):
    assert client_for(director).get(reverse("dashboard-csv", args=["patients"])).status_code == 404


def test_the_filters_narrow_every_table(client_for, director, small_numbers):
    response = client_for(director).get(reverse("dashboard-start"), {"date_from": "2030-01-01"})
    assert response.context["quintiles"] == []


def test_the_specialty_table_sorts_by_gap_largest_first(client_for, director, make_appointments):
    from tests.support.factories import ClinicFactory, SpecialtyFactory

    for name, q1_dnas in (("Audiology", 12), ("Urology", 30)):
        clinic = ClinicFactory(specialty=SpecialtyFactory(name=name))
        make_appointments([DNA] * q1_dnas + [ATTENDED] * (100 - q1_dnas), clinic=clinic, imd_decile=1)
        make_appointments([DNA] * 10 + [ATTENDED] * 90, clinic=clinic, imd_decile=10)
    response = client_for(director).get(reverse("dashboard-start"), {"sort": "gap"})
    assert [row["specialty"] for row in response.context["specialties"]] == ["Urology", "Audiology"]
    response = client_for(director).get(reverse("dashboard-start"), {"sort": "name"})
    assert [row["specialty"] for row in response.context["specialties"]] == ["Audiology", "Urology"]


def test_a_director_sets_the_gap_target_from_the_dashboard(client_for, director):
    response = client_for(director).post(reverse("dashboard-set-target"), {"gap_points": "2.5", "note": "Year 1"})
    assert response.status_code == 302
    target = DisparityTarget.objects.get()
    assert (target.gap_points, target.set_by) == (Decimal("2.50"), director)
    assert AuditEvent.objects.filter(action="create", target_type="reports.disparitytarget").exists()


def test_the_pilot_page_shows_arms_and_suppresses_small_counts(client_for, director, make_appointments):
    pilot = PilotFactory()
    patient = PatientFactory(imd_decile=1)
    for arm, codes in ((Arm.INTERVENTION, [DNA] * 2 + [ATTENDED] * 30), (Arm.CONTROL, [DNA] * 9 + [ATTENDED] * 30)):
        for appointment in make_appointments(codes, patient=patient):
            AllocationFactory(pilot=pilot, appointment=appointment, arm=arm, stratum=1)
    response = client_for(director).get(reverse("dashboard-pilot", args=[pilot.pk]))
    overall = response.context["evaluation"]["overall"]
    assert overall["intervention"]["dnas"] is None and overall["risk_difference"] is None
    assert overall["control"]["dnas"] == 9
    csv_response = client_for(director).get(reverse("dashboard-pilot-csv", args=[pilot.pk, "arms"]))
    first = next(csv.DictReader(io.StringIO(csv_response.content.decode())))
    assert first["intervention_dnas"] == "" and first["control_dnas"] == "9"


@pytest.fixture
def thirteen_months(make_appointments):
    """Twelve steady months (10% and 15% DNAs in turn), then a month at 60%: one decile-1 patient a month."""
    for index in range(13):
        day = date(2024 + (index // 12), index % 12 + 1, 10)
        dnas = 12 if index == 12 else (2 if index % 2 == 0 else 3)
        make_appointments([DNA] * dnas + [ATTENDED] * (20 - dnas), day=day, imd_decile=1)


def test_the_dna_rate_chart_says_its_signals_in_words_with_the_variation_icon(client_for, admin_user, thirteen_months):
    response = client_for(admin_user).get(reverse("dashboard-start"))
    content = response.content.decode()
    signals = {row["month"]: row["spc_signals"] for row in response.context["rate_over_time"]}
    assert signals["2025-01"] == "Concern: a point above the upper process limit"
    assert signals["2024-06"] == "Improvement: 7 points in a row below the mean"
    assert "outside_limits" not in content and "improvement (" not in content
    assert 'data-icon="concern_high"' in content
    assert "Special cause variation of a concerning nature: higher values" in content


def test_the_gap_chart_shows_the_assurance_icon_against_the_target(client_for, admin_user, make_appointments):
    DisparityTarget.objects.create(gap_points=Decimal("50"), set_by=admin_user)
    for month in range(1, 13):
        day = date(2024, month, 10)
        make_appointments([DNA] * (4 + month % 2) + [ATTENDED] * 16, day=day, imd_decile=1)
        make_appointments([DNA] * 2 + [ATTENDED] * 18, day=day, imd_decile=10)
    content = client_for(admin_user).get(reverse("dashboard-start")).content.decode()
    # The gap runs at 10 to 15 points, far under a ceiling of 50: the target is met every month.
    assert 'data-icon="assurance_pass"' in content
    assert "The target will be met every time unless something changes" in content


def test_a_short_series_warns_on_the_page_that_its_limits_are_trial_limits(client_for, admin_user, small_numbers):
    content = client_for(admin_user).get(reverse("dashboard-start")).content.decode()
    assert "Only 1 point to chart" in content
