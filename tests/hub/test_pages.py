"""The collaborative's pages: directors and the ICB see every member trust's figures side by side,
the funnel plots, the gap over time and the pilots, only where this Attend is a hub."""

import pytest
from django.urls import reverse

from accounts.roles import ADMIN, DIRECTOR
from hub.services import aggregate_file_load
from tests.hub.files import aggregate_file, as_bytes, even_cells, pilot_table, quintile_table, specialty_table
from tests.support.factories import make_user

pytestmark = pytest.mark.django_db
MONTHS = [f"2025-{m:02d}" for m in range(1, 7)]
PERIOD = ("2025-01-01", "2025-06-30")


def arms(pilot_rate: float, control_rate: float, n: int = 300):
    return {
        (m, q, arm): (n, round(n * rate), 10)
        for m in MONTHS
        for q in range(1, 6)
        for arm, rate in (("intervention", pilot_rate), ("control", control_rate))
    }


@pytest.fixture
def loaded(members, settings):
    settings.ATTEND_HUB_ENABLED = True
    spec = {(m, q, s): (200, 20 + 5 * q, 5) for m in MONTHS for q in range(1, 6) for s in ("100", "110")}
    files = [
        aggregate_file(
            ods_code="RAA",
            name=members[0].name,
            period=PERIOD,
            tables=[
                quintile_table(even_cells(MONTHS, rate_q1=0.20, rate_q5=0.05)),
                specialty_table(spec),
                pilot_table("Calls for the most deprived", arms(0.08, 0.12)),
            ],
        ),
        aggregate_file(
            ods_code="RBB",
            name=members[1].name,
            period=PERIOD,
            tables=[
                quintile_table({**even_cells(MONTHS, rate_q1=0.12, rate_q5=0.08), ("2025-03", 1): None}),
                pilot_table("Calls for the most deprived", arms(0.10, 0.11)),
            ],
            suppressed_cells=1,
        ),
        aggregate_file(
            ods_code="RCC",
            name=members[2].name,
            period=PERIOD,
            tables=[quintile_table(even_cells(MONTHS, rate_q1=0.10, rate_q5=0.09, n=2000))],
        ),
    ]
    for document in files:
        result = aggregate_file_load(content=as_bytes(document), sender="test")
        assert result.loaded, result.message
    return members


@pytest.fixture
def director_client(client):
    client.force_login(make_user(DIRECTOR))
    return client


def test_directors_see_each_trust_side_by_side_with_intervals(loaded, director_client):
    response = director_client.get(reverse("hub-trusts"))
    body = response.content.decode()
    assert response.status_code == 200
    rows = {row["trust"].ods_code: row for row in response.context["rows"]}
    assert set(rows) == {"RAA", "RBB", "RCC"}
    assert rows["RAA"]["gap_points"] == pytest.approx(15.0)
    assert rows["RAA"]["gap_ci_low"] < 15.0 < rows["RAA"]["gap_ci_high"]
    assert "Collaborative" in [link["label"] for link in response.context["navigation"]]
    assert "Alpha Hospitals NHS Trust" in body and "Gamma Hospitals NHS Trust" in body


def test_a_suppressed_cell_is_said_and_left_out_never_estimated(loaded, director_client):
    rows = {row["trust"].ods_code: row for row in director_client.get(reverse("hub-trusts")).context["rows"]}
    beta = rows["RBB"]
    assert "1 cell suppressed by the trust, 1 of them in quintile 1 or 5" in beta["missing"]
    assert beta["q1_appointments"] == 5 * 400  # six months sent, one suppressed: five months' appointments
    assert rows["RAA"]["missing"] == ""


def test_the_funnel_plots_show_every_trust_against_the_collaborative_mean(loaded, director_client):
    response = director_client.get(reverse("hub-funnels"))
    assert response.status_code == 200
    rate = response.context["rate"]
    assert [row["label"] for row in rate.rows] == [t.name for t in loaded]
    assert len(rate.svg.dots) == 3 and any(line["kind"] == "limit998" for line in rate.svg.lines)
    # the collaborative's mean is every trust's DNAs over every trust's appointments
    # (Alpha 1,500 + Beta 1,152 without its suppressed cell + Gamma 5,700) ÷ (12,000 + 11,600 + 60,000)
    assert rate.funnel.target == pytest.approx(8352 / 83600)
    body = response.content.decode()
    assert 'data-testid="hub-funnel-rate"' in body and 'data-testid="hub-funnel-gap"' in body


def test_the_funnel_plot_by_specialty_uses_that_specialtys_figures(loaded, director_client):
    response = director_client.get(reverse("hub-funnels"), {"specialty": "110"})
    rate = response.context["rate"]
    assert response.context["specialty"] == "110"
    assert [row["label"] for row in rate.rows] == ["Alpha Hospitals NHS Trust"]  # only Alpha sent specialties
    assert rate.rows[0]["volume"] == 6 * 5 * 200


def test_the_gap_over_time_is_an_spc_chart_per_trust_with_the_suppressed_month_a_gap(loaded, director_client):
    response = director_client.get(reverse("hub-gap-over-time"))
    cards = {card["trust"].ods_code: card for card in response.context["cards"]}
    assert [m["gap_points"] for m in cards["RAA"]["months"]] == pytest.approx([15.0] * 6)
    assert cards["RBB"]["months"][2]["gap_points"] is None
    assert any("suppressed by the trust in Mar 2025" in note for note in cards["RBB"]["notes"])
    assert not cards["RAA"]["svg"].empty


def test_the_pilot_page_pools_the_trusts_effects(loaded, director_client):
    response = director_client.get(reverse("hub-pilots"))
    across = response.context["across"]
    assert [row["trust"].ods_code for row in across.rows] == ["RAA", "RBB"]
    assert across.rows[0]["estimate"] == pytest.approx(-0.04, abs=1e-3)
    assert across.pooled.studies == 2
    assert -0.04 < across.pooled.estimate < -0.01
    assert 'data-testid="hub-heterogeneity"' in response.content.decode()


def test_the_pages_are_not_found_where_this_attend_is_not_a_hub(loaded, director_client, settings):
    settings.ATTEND_HUB_ENABLED = False
    response = director_client.get(reverse("dashboard-start"))
    assert "Collaborative" not in [link["label"] for link in response.context["navigation"]]
    for name in ("hub-trusts", "hub-funnels", "hub-gap-over-time", "hub-pilots"):
        assert director_client.get(reverse(name)).status_code == 404


def test_only_an_admin_may_upload_and_an_upload_is_loaded_or_refused_with_its_reason(loaded, client, director_client):
    assert director_client.get(reverse("hub-files")).status_code == 403
    client.force_login(make_user(ADMIN, username="hub-admin"))
    document = aggregate_file(
        ods_code="RCC",
        name=loaded[2].name,
        period=("2025-07-01", "2025-07-31"),
        tables=[quintile_table(even_cells(["2025-07"]))],
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("rcc-july.json", as_bytes(document), content_type="application/json")
    response = client.post(reverse("hub-files"), {"file": upload}, follow=True)
    assert "Loaded 5 rows for Gamma Hospitals NHS Trust" in response.content.decode()
    bad = SimpleUploadedFile("bad.json", as_bytes({**document, "version": 2}), content_type="application/json")
    response = client.post(reverse("hub-files"), {"file": bad}, follow=True)
    assert "Refused: The file is version 2" in response.content.decode()
