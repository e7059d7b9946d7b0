"""Disclosure control: primary suppression, complementary suppression and who sees what.

The attacker test (test_disclosure_attack.py) checks the whole publication with integer
programming; these pin down the rule and where it is applied.
"""

import csv
import io
from datetime import date

import pytest
from django.core.management import call_command
from django.urls import reverse

from config.disclosure import AdditiveGroup, Audience, withheld_cells
from pilots.models import Arm
from reports import tables
from reports.disclosure import EVERYTHING, report_disclosure
from reports.evaluation import PilotEvaluation, arm_comparisons, evaluate_pilot
from reports.pilot_disclosure import pilot_disclosure
from reports.selectors import dna_gap, dna_rates
from tests.reports.factories import AllocationFactory, PilotFactory
from tests.support.factories import PatientFactory

DNA, ATTENDED = 3, 5


# --- The rule -------------------------------------------------------------------------------


def test_a_total_with_one_suppressed_part_also_withholds_the_smallest_other_part():
    sizes = {"all": 230, "a": 40, "b": 50, "c": 140}
    withheld = withheld_cells(sizes, [AdditiveGroup("all", ("a", "b", "c"))], primary={"a"})
    assert withheld == {"a", "b"}


def test_complements_are_chosen_until_no_group_has_exactly_one_cell_withheld():
    # A 2 x 2 table with its margins: withholding a forces one in its row and one in its column,
    # and those force the fourth cell, so no row or column sum gives any of them back.
    sizes = {"r1": 50, "r2": 70, "c1": 60, "c2": 60, "a": 3, "b": 47, "c": 57, "d": 13, "all": 120}
    sums = {"r1": ("a", "b"), "r2": ("c", "d"), "c1": ("a", "c"), "c2": ("b", "d")}
    groups = [AdditiveGroup(total, parts) for total, parts in sums.items()]
    groups += [AdditiveGroup("all", ("r1", "r2")), AdditiveGroup("all", ("c1", "c2"))]
    withheld = withheld_cells(sizes, groups, primary={"a"})
    assert withheld == {"a", "b", "c", "d"}
    for group in groups:
        assert sum(cell in withheld for cell in (group.total, *group.parts)) != 1


def test_a_part_equal_to_its_total_is_withheld_with_it():
    assert withheld_cells({"all": 4, "only": 4}, [AdditiveGroup("all", ("only",))], primary={"only"}) == {"all", "only"}


def test_a_cell_nobody_publishes_counts_as_withheld_so_no_complement_is_needed():
    sizes = {"all": 100, "a": 3, "b": 97}  # "hidden" is a part no table shows
    assert withheld_cells(sizes, [AdditiveGroup("all", ("a", "b", "hidden"))], primary={"a"}) == {"a"}


def test_the_same_publication_always_withholds_the_same_cells():
    sizes = {"all": 300, **{f"p{i}": 100 for i in range(3)}, "small": 2}
    group = [AdditiveGroup("all", ("p2", "small", "p0", "p1"))]
    assert {withheld_cells(sizes, group, primary={"small"}) for _ in range(5)} == {frozenset({"small", "p0"})}


# --- The reports' publication --------------------------------------------------------------


@pytest.fixture
def three_quintiles(make_appointments):
    """Quintile 1: 3 DNAs in 40; quintile 3: 10 in 50; quintile 5: 20 in 100, all in March 2025."""
    make_appointments([DNA] * 3 + [ATTENDED] * 37, imd_decile=1)
    make_appointments([DNA] * 10 + [ATTENDED] * 40, imd_decile=5)
    make_appointments([DNA] * 20 + [ATTENDED] * 80, imd_decile=10)


@pytest.mark.django_db
def test_a_director_sees_no_small_count_and_no_part_that_gives_one_back(three_quintiles):
    shown = {
        row["imd_quintile"]: row for row in report_disclosure(Audience.DIRECTOR, {}).rates(dna_rates("imd_quintile"))
    }
    assert shown[1]["dnas"] is None and shown[1]["dna_rate"] is None and shown[1]["suppressed"] is True
    assert shown[3]["appointments"] is None and shown[3]["suppressed"] is True  # the month's total minus 5 gives 1 + 3
    assert (shown[5]["appointments"], shown[5]["dnas"], shown[5]["suppressed"]) == (100, 20, False)


@pytest.mark.django_db
def test_an_analyst_sees_every_figure_as_it_is(three_quintiles):
    disclosure = report_disclosure(Audience.ANALYST, {})
    assert disclosure is EVERYTHING
    assert [row["dnas"] for row in disclosure.rates(dna_rates("imd_quintile"))] == [3, 10, 20]


@pytest.mark.django_db
def test_the_gap_is_withheld_when_either_quintile_is_even_as_a_complement(make_appointments):
    make_appointments([DNA] * 12 + [ATTENDED] * 48, imd_decile=1)
    make_appointments([DNA] * 2 + [ATTENDED] * 54, imd_decile=10)
    (gap,) = dna_gap()
    out = report_disclosure(Audience.DIRECTOR, {}).gap(gap)
    # Quintile 5 is small; quintile 1 is not, but with only two quintiles the month's total minus it gives 5 back.
    assert out["q5_dnas"] is None and out["q1_dnas"] is None
    assert out["gap_points"] is None and out["ratio"] is None and out["suppressed"] is True


@pytest.mark.django_db
def test_a_month_withheld_from_directors_is_a_gap_in_the_spc_chart(make_appointments):
    for month, q5_dnas in ((1, 2), (2, 8), (3, 9)):
        make_appointments([DNA] * 10 + [ATTENDED] * 40, imd_decile=1, day=date(2025, month, 12))
        make_appointments([DNA] * q5_dnas + [ATTENDED] * 45, imd_decile=10, day=date(2025, month, 12))
    rows, chart = tables.gap_over_time_with_chart({}, report_disclosure(Audience.DIRECTOR, {}))
    assert rows[0]["gap_points"] is None and chart.points[0].value is None
    assert [p.value is None for p in chart.points] == [row["gap_points"] is None for row in rows]
    _, full = tables.gap_over_time_with_chart({}, EVERYTHING)
    assert [p.label for p in full.points] == ["2025-01", "2025-02", "2025-03"]
    assert all(p.value is not None for p in full.points)


@pytest.mark.django_db
def test_the_monthly_gap_chart_has_one_point_per_month_in_order(make_appointments):
    for month, q1_dnas in ((1, 10), (2, 8), (3, 6)):
        make_appointments([DNA] * q1_dnas + [ATTENDED] * (50 - q1_dnas), imd_decile=1, day=date(2025, month, 12))
        make_appointments([DNA] * 5 + [ATTENDED] * 45, imd_decile=10, day=date(2025, month, 12))
    _, chart = tables.gap_over_time_with_chart({}, EVERYTHING)
    assert [p.value for p in chart.points] == [pytest.approx(10.0), pytest.approx(6.0), pytest.approx(2.0)]
    assert chart.mean == pytest.approx(6.0)


@pytest.mark.django_db
def test_every_csv_and_the_page_withhold_the_same_cells_for_the_same_filters(client_for, director, three_quintiles):
    client = client_for(director)
    page = {
        row["imd_quintile"]: row["suppressed"] for row in client.get(reverse("dashboard-start")).context["quintiles"]
    }
    response = client.get(reverse("dashboard-csv", args=["dna-rate-by-quintile"]))
    downloaded = {
        int(r["imd_quintile"]): r["suppressed"] == "True"
        for r in csv.DictReader(io.StringIO(response.content.decode()))
    }
    assert page == downloaded == {1: True, 3: True, 5: False}


@pytest.mark.django_db
def test_dna_report_suppress_gives_what_a_director_sees_and_refuses_unchecked_crosses(three_quintiles, capsys):
    import json

    call_command("dna_report", "--by", "imd_quintile", "--suppress")
    rows = json.loads(capsys.readouterr().out)["rows"]
    assert [(row["imd_quintile"], row["suppressed"]) for row in rows] == [(1, True), (3, True), (5, False)]
    with pytest.raises(Exception, match="crossed with imd_quintile"):
        call_command("dna_report", "--by", "sex", "--by", "age_band", "--suppress")
    call_command("dna_report", "--by", "sex", "--by", "age_band")  # an analyst's run is not limited


# --- A pilot -------------------------------------------------------------------------------


@pytest.fixture
def pilot_with_a_small_stratum(make_appointments):
    """Intervention: quintile 2 has 30 appointments with 3 DNAs; quintiles 3 and 4, 50 with 10 and 60 with 12."""
    pilot = PilotFactory()
    cells = {(Arm.INTERVENTION, 2): (3, 27), (Arm.INTERVENTION, 3): (10, 40), (Arm.INTERVENTION, 4): (12, 48),
             (Arm.CONTROL, 2): (8, 32), (Arm.CONTROL, 3): (11, 39), (Arm.CONTROL, 4): (13, 47)}  # fmt: skip
    for (arm, stratum), (dnas, attended) in cells.items():
        patient = PatientFactory(imd_decile=2 * stratum)
        for appointment in make_appointments([DNA] * dnas + [ATTENDED] * attended, patient=patient):
            AllocationFactory(pilot=pilot, appointment=appointment, arm=arm, stratum=stratum)
    return pilot


@pytest.mark.django_db
def test_the_all_row_minus_the_shown_quintiles_gives_no_stratum_back(pilot_with_a_small_stratum):
    overall, by_quintile, _ = arm_comparisons(pilot_with_a_small_stratum)
    cut = pilot_disclosure(Audience.DIRECTOR, overall, by_quintile)
    rows = {row["group"]: row for row in (cut.comparison(row) for row in by_quintile)}
    assert rows["IMD quintile 2"]["intervention"]["dnas"] is None
    assert rows["IMD quintile 3"]["intervention"]["dnas"] is None  # the smaller other stratum, as its complement
    assert rows["IMD quintile 4"]["intervention"]["dnas"] == 12
    assert cut.comparison(overall)["intervention"]["appointments"] == 140
    assert rows["IMD quintile 2"]["risk_difference"] is None and rows["IMD quintile 4"]["risk_difference"] is not None


@pytest.mark.django_db
def test_the_stratified_effect_is_withheld_when_any_stratum_is(pilot_with_a_small_stratum):
    overall, by_quintile, stratified = arm_comparisons(pilot_with_a_small_stratum)
    effect = pilot_disclosure(Audience.DIRECTOR, overall, by_quintile).stratified(stratified)
    assert effect["risk_difference"] is None and effect["cmh_statistic"] is None and effect["heterogeneity_p"] is None
    assert effect["not_estimable"] == ["Withheld: a quintile's figures are suppressed, and the stratified effect "
                                       "would give them away."]  # fmt: skip
    shown = pilot_disclosure(Audience.ANALYST, overall, by_quintile).stratified(stratified)
    assert shown["risk_difference"] is not None


@pytest.mark.django_db
def test_an_arms_slope_index_built_on_a_withheld_stratum_is_withheld(pilot_with_a_small_stratum):
    from reports.findings import pilot_findings

    overall, by_quintile, _ = arm_comparisons(pilot_with_a_small_stratum)
    findings = pilot_findings(pilot_with_a_small_stratum).as_dict(suppress=True)
    sii = pilot_disclosure(Audience.DIRECTOR, overall, by_quintile).findings(findings)["inequality"]["sii"]
    assert sii["intervention"]["sii"] is None and sii["intervention"]["suppressed"] is True
    assert sii["control"] == findings["inequality"]["sii"]["control"]


@pytest.mark.django_db
def test_a_figure_added_to_the_evaluation_is_withheld_from_directors_until_it_is_reviewed(
    pilot_with_a_small_stratum, monkeypatch
):
    plain = PilotEvaluation.as_dict
    monkeypatch.setattr(PilotEvaluation, "as_dict", lambda self: {**plain(self), "new_count": 3})
    evaluation = evaluate_pilot(pilot_with_a_small_stratum)
    assert (
        pilot_disclosure(Audience.DIRECTOR, evaluation.overall, evaluation.by_quintile).evaluation(evaluation)[
            "new_count"
        ]
        is None
    )
    analyst = pilot_disclosure(Audience.ANALYST, evaluation.overall, evaluation.by_quintile)
    assert analyst.evaluation(evaluation)["new_count"] == 3


# --- Every CSV has its header ----------------------------------------------------------------


def test_an_empty_table_downloads_with_its_header_row():
    assert tables.rows_to_csv([], ("imd_quintile", "appointments")) == "imd_quintile,appointments\n"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(tables.FILTERED_TABLES))
def test_every_dashboard_csv_has_its_header_row_even_with_no_appointments(client_for, director, name):
    response = client_for(director).get(reverse("dashboard-csv", args=[name]))
    header, *rows = response.content.decode().splitlines()
    assert header.split(",") == list(tables.FILTERED_TABLES[name].columns)
    assert len(rows) == (1 if name == "gap" else 0)  # the overall gap is one row even with nothing in it


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(tables.PILOT_TABLES))
def test_every_pilot_csv_has_its_header_row_even_with_nothing_in_it(client_for, director, name):
    pilot = PilotFactory()
    response = client_for(director).get(reverse("dashboard-pilot-csv", args=[pilot.pk, name]))
    assert response.content.decode().splitlines()[0].split(",") == list(tables.PILOT_TABLES[name].columns)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(tables.FILTERED_TABLES))
def test_each_table_declares_exactly_the_columns_its_rows_have(three_quintiles, name):
    table = tables.FILTERED_TABLES[name]
    (first, *_) = table.rows({}, EVERYTHING)
    assert tuple(first) == table.columns


@pytest.mark.django_db
def test_a_reach_row_withheld_takes_a_second_so_the_arms_reached_total_gives_neither_back(client_for, director):
    from tests.reports.test_pilot_findings import allocate

    pilot = PilotFactory()
    # Reached: quintile 1, 3 of 20 (small); quintile 3, 8 of 20; quintile 5, 15 of 20. The evaluation
    # shows how many the arm reached (26), so quintile 1 would be 26 - 8 - 15 with only it withheld.
    for decile, reached in ((1, 3), (5, 8), (10, 15)):
        allocate(pilot, arm=Arm.INTERVENTION, decile=decile, codes=[5] * 20, reached=reached, called=20)
    body = client_for(director).get(reverse("api-pilot-reach", args=[pilot.pk]), {"by": "imd_quintile"}).json()
    reached = {row["group"]: row["reached"] for row in body["rows"]}
    assert reached == {"1": None, "3": None, "5": 15}
    page = client_for(director).get(reverse("dashboard-pilot", args=[pilot.pk])).context["findings"]
    by_quintile = next(reach for reach in page["reach"] if reach["by"] == "imd_quintile")
    assert [row["reached"] for row in by_quintile["rows"]] == [None, None, 15]


def test_withheld_parts_holding_no_dnas_between_them_are_not_left_pinned_at_zero():
    from config.disclosure import withheld_cells_and_zeros

    # Sex U and X both small and withheld; together they hold no DNAs, so total − F − M gives 0 DNAs
    # for the two of them, and each is then known to have none. One more part must go.
    sizes = {"all": 400, "F": 200, "M": 190, "U": 6, "X": 4}
    measures = {"all": (400, 40, 360), "F": (200, 25, 175), "M": (190, 15, 175), "U": (6, 0, 6), "X": (4, 0, 4)}
    groups = [AdditiveGroup("all", ("F", "M", "U", "X"))]
    assert withheld_cells(sizes, groups, primary={"U", "X"}) == {"U", "X"}  # the complementary rule alone
    assert withheld_cells_and_zeros(sizes, groups, {"U", "X"}, measures) == {"U", "X", "M"}


def test_a_pilots_reach_withholds_one_more_group_where_the_withheld_were_reached_by_none(monkeypatch):
    """Two groups nobody was reached in are withheld as small; the arm's reached minus the shown groups'
    gave each as none. With the zero rule another group someone was reached in is withheld with them."""
    from reports import pilot_disclosure
    from reports.reach import MEASURES, Reach, ReachRow

    def rows(scale):
        reached = {"a": 0, "b": 0, "c": 40, "d": 30}
        return [
            ReachRow(group, 100 * scale, {**dict.fromkeys(MEASURES, 50 * scale), "reached": count * scale})
            for group, count in reached.items()
        ]

    monkeypatch.setattr(pilot_disclosure, "pilot_reach",
                        lambda pilot, *, by, arm: Reach(by, arm, rows(2 if arm == "all" else 1)))  # fmt: skip
    withheld = pilot_disclosure.reach_disclosure(Audience.DIRECTOR, None).withheld
    for arm in ("intervention", "control", "all"):
        hidden = {group for group in "abcd" if (arm, "imd_quintile", group, "reached") in withheld}
        assert {"a", "b"} < hidden  # not only the two with none
    # The same tables under the rule without zeros (as reach_disclosure was): a and b each pinned at none.
    monkeypatch.setattr(
        pilot_disclosure,
        "withheld_cells_and_zeros",
        lambda sizes, groups, primary, _: withheld_cells(sizes, groups, primary),
    )
    before = pilot_disclosure.reach_disclosure(Audience.DIRECTOR, None).withheld
    assert {g for g in "abcd" if ("intervention", "imd_quintile", g, "reached") in before} == {"a", "b"}
