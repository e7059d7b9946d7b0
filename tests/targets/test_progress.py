"""A target's status is its latest month's gap, from the appointments, against its trajectory."""

from datetime import date
from decimal import Decimal

import pytest

from config.disclosure import Audience
from reports.disclosure import report_disclosure
from reports.rollup import rollup_rebuild
from reports.selectors import monthly_gaps
from targets.models import DisparityTarget, Division, DivisionSpecialty, Scope
from targets.progress import NOT_KNOWN, OFF, ON, target_progress
from tests.support.factories import ClinicFactory, SiteFactory
from tests.targets.conftest import APRIL, MARCH, specialty_target

pytestmark = pytest.mark.django_db


def test_the_trajectory_falls_in_equal_monthly_steps_and_holds_either_side():
    target = DisparityTarget(
        baseline_month=date(2025, 1, 1), baseline_gap_points=Decimal("20"),
        target_month=date(2025, 7, 1), target_gap_points=Decimal("8"),
    )  # fmt: skip
    assert target.trajectory_at(date(2024, 11, 5)) == Decimal("20")
    assert target.trajectory_at(date(2025, 2, 28)) == Decimal("18.00")
    assert target.trajectory_at(date(2025, 4, 1)) == Decimal("14.00")
    assert target.trajectory_at(date(2025, 7, 31)) == Decimal("8")
    assert target.trajectory_at(date(2026, 1, 1)) == Decimal("8")


def test_a_gap_above_the_trajectory_is_off_and_one_at_or_below_it_is_on(director, month_of_gap):
    wide, narrow = ClinicFactory(), ClinicFactory()
    month_of_gap(wide, APRIL, q1=(30, 70), q5=(10, 90))  # 30% − 10% = 20 points, above April's 14
    month_of_gap(narrow, APRIL, q1=(20, 80), q5=(10, 90))  # 10 points, below 14
    off = target_progress(specialty_target(wide.specialty, director), Audience.DIRECTOR)
    on = target_progress(specialty_target(narrow.specialty, director), Audience.DIRECTOR)

    assert (off.status, off.latest["month"], off.trajectory_now) == (OFF, "2025-04", Decimal("14.00"))
    assert off.latest["gap_points"] == pytest.approx(20.0)
    assert on.status == ON and on.latest["gap_points"] == pytest.approx(10.0)
    assert on.statements[0].startswith("2025-04: a gap of 10.0 points, at or below the trajectory of 14.0 points")


def test_each_month_is_judged_against_its_own_point_on_the_trajectory(director, month_of_gap, clinic):
    month_of_gap(clinic, MARCH, q1=(26, 74), q5=(10, 90))  # 16 points: March's trajectory is 16
    month_of_gap(clinic, APRIL, q1=(26, 74), q5=(10, 90))  # 16 points: April's is 14
    progress = target_progress(specialty_target(clinic.specialty, director), Audience.ANALYST)
    assert [(m["month"], m["target_points"], m["on_trajectory"]) for m in progress.months] == [
        ("2025-03", 16.0, True),
        ("2025-04", 14.0, False),
    ]
    assert progress.status == OFF


def test_a_suppressed_latest_month_is_not_judged_for_a_director(director, month_of_gap, clinic):
    # April's quintile 1 has 3 DNAs (suppressed); February, the smallest other month, is withheld with
    # it (quintile 1's total over the months would give April back); March is shown.
    month_of_gap(clinic, date(2025, 2, 10), q1=(10, 30), q5=(10, 40))
    month_of_gap(clinic, MARCH, q1=(20, 80), q5=(10, 90))  # 10 points: on March's 16
    month_of_gap(clinic, APRIL, q1=(3, 37), q5=(10, 90))
    target = specialty_target(clinic.specialty, director)

    seen = target_progress(target, Audience.DIRECTOR)
    assert seen.months[-1]["gap_points"] is None and seen.months[-1]["on_trajectory"] is None
    assert (seen.status, seen.latest["month"]) == (ON, "2025-03")
    assert any("2025-04 cannot be shown" in s for s in seen.statements)
    assert [p.value is None for p in seen.chart.points] == [True, False, True]  # gaps in the chart

    analyst = target_progress(target, Audience.ANALYST)  # 7.5% − 10% = −2.5 points, shown in full
    assert analyst.latest["month"] == "2025-04" and analyst.latest["gap_points"] == pytest.approx(-2.5)


def test_a_target_with_every_month_suppressed_is_not_known(director, month_of_gap, clinic):
    month_of_gap(clinic, APRIL, q1=(2, 30), q5=(10, 90))
    progress = target_progress(specialty_target(clinic.specialty, director), Audience.DIRECTOR)
    assert progress.status == NOT_KNOWN and progress.latest is None
    assert "progress cannot be judged" in progress.statements[0]


def test_a_target_with_no_appointments_yet_is_not_known(director, clinic):
    progress = target_progress(specialty_target(clinic.specialty, director), Audience.DIRECTOR)
    assert progress.status == NOT_KNOWN
    assert progress.statements[0] == f"No appointments have happened for {clinic.specialty} yet."


def test_a_division_target_pools_its_specialties_and_nothing_else(director, month_of_gap):
    surgery, cardiology, elsewhere = ClinicFactory(), ClinicFactory(), ClinicFactory()
    month_of_gap(surgery, APRIL, q1=(20, 80), q5=(10, 90))
    month_of_gap(cardiology, APRIL, q1=(40, 60), q5=(10, 90))
    month_of_gap(elsewhere, APRIL, q1=(90, 10), q5=(5, 95))  # another division's: not counted
    division = Division.objects.create(name="Surgery")
    for clinic in (surgery, cardiology):
        DivisionSpecialty.objects.create(division=division, specialty=clinic.specialty)
    target = DisparityTarget.objects.create(
        scope=Scope.DIVISION, division=division, owner=director, baseline_month=date(2025, 1, 1),
        baseline_gap_points=Decimal("25"), target_month=date(2025, 7, 1), target_gap_points=Decimal("10"),
    )  # fmt: skip
    progress = target_progress(target, Audience.DIRECTOR)
    # (20 + 40) / 200 − 20 / 200 = 20 points; April's trajectory is 25 − 15 × 3/6 = 17.5
    assert progress.latest["gap_points"] == pytest.approx(20.0)
    assert progress.latest["q1_appointments"] == 200
    assert progress.status == OFF


def test_a_division_without_specialties_says_so_rather_than_showing_the_whole_trust(director, month_of_gap, clinic):
    month_of_gap(clinic, APRIL, q1=(20, 80), q5=(10, 90))
    target = DisparityTarget.objects.create(
        scope=Scope.DIVISION, division=Division.objects.create(name="Empty"), owner=director,
        baseline_month=date(2025, 1, 1), baseline_gap_points=Decimal("5"), target_month=date(2025, 7, 1),
        target_gap_points=Decimal("2"),
    )  # fmt: skip
    progress = target_progress(target, Audience.ANALYST)
    assert progress.months == [] and progress.status == NOT_KNOWN
    assert "has no specialties yet" in progress.statements[0]


def test_a_site_target_counts_only_that_sites_appointments(director, month_of_gap):
    site = SiteFactory()
    month_of_gap(ClinicFactory(site=site), APRIL, q1=(20, 80), q5=(10, 90))
    month_of_gap(ClinicFactory(), APRIL, q1=(50, 50), q5=(10, 90))
    target = DisparityTarget.objects.create(
        scope=Scope.SITE, site=site, owner=director, baseline_month=date(2025, 1, 1),
        baseline_gap_points=Decimal("12"), target_month=date(2025, 7, 1), target_gap_points=Decimal("6"),
    )  # fmt: skip
    progress = target_progress(target, Audience.DIRECTOR)
    assert progress.latest["gap_points"] == pytest.approx(10.0) and progress.status == OFF  # April expects 9


def test_up_to_a_month_leaves_the_later_months_out(director, month_of_gap, clinic):
    month_of_gap(clinic, MARCH, q1=(20, 80), q5=(10, 90))
    month_of_gap(clinic, APRIL, q1=(40, 60), q5=(10, 90))
    progress = target_progress(specialty_target(clinic.specialty, director), Audience.DIRECTOR, up_to=MARCH)
    assert [m["month"] for m in progress.months] == ["2025-03"] and progress.status == ON


def test_a_divisions_gap_is_the_same_from_the_rollup_as_from_the_appointments(director, month_of_gap):
    surgery, cardiology = ClinicFactory(), ClinicFactory()
    month_of_gap(surgery, APRIL, q1=(20, 80), q5=(10, 90))
    month_of_gap(cardiology, APRIL, q1=(40, 60), q5=(10, 90))
    month_of_gap(ClinicFactory(), APRIL, q1=(90, 10), q5=(5, 95))
    division = Division.objects.create(name="Surgery")
    for clinic in (surgery, cardiology):
        DivisionSpecialty.objects.create(division=division, specialty=clinic.specialty)
    target = DisparityTarget.objects.create(
        scope=Scope.DIVISION, division=division, owner=director, baseline_month=date(2025, 1, 1),
        baseline_gap_points=Decimal("25"), target_month=date(2025, 7, 1), target_gap_points=Decimal("10"),
    )  # fmt: skip
    from_appointments = target_progress(target, Audience.ANALYST).months
    rollup_rebuild()
    assert target_progress(target, Audience.ANALYST).months == from_appointments
    assert from_appointments[0]["q1_appointments"] == 200


def _division_of(*clinics, owner):
    division = Division.objects.create(name="Surgery")
    for clinic in clinics:
        DivisionSpecialty.objects.create(division=division, specialty=clinic.specialty)
    return DisparityTarget.objects.create(
        scope=Scope.DIVISION, division=division, owner=owner, baseline_month=date(2025, 1, 1),
        baseline_gap_points=Decimal("25"), target_month=date(2025, 7, 1), target_gap_points=Decimal("10"),
    )  # fmt: skip


def test_a_divisions_month_is_decided_with_its_specialties_pages_so_none_subtracts_to_a_withheld_one(
    director, month_of_gap
):
    small, large, outside = ClinicFactory(), ClinicFactory(), ClinicFactory()
    month_of_gap(small, APRIL, q1=(3, 37), q5=(10, 90))  # 3 DNAs: withheld on its specialty's page
    month_of_gap(large, APRIL, q1=(20, 80), q5=(10, 90))
    month_of_gap(outside, APRIL, q1=(15, 60), q5=(8, 80))
    target = _division_of(small, large, owner=director)

    def april(code):
        (row,) = [
            report_disclosure(Audience.DIRECTOR, {"specialty": code}).gap(g) for g in monthly_gaps(specialty=code)
        ]
        return row

    # The division's quintile 1 (23 DNAs) is shown; the other specialty's page withholds its own (20)
    # with the small one's, so the division minus it gives nothing back.
    (month,) = target_progress(target, Audience.DIRECTOR).months
    assert month["q1_dnas"] == 23
    assert april(small.specialty.treatment_function_code)["q1_dnas"] is None
    assert april(large.specialty.treatment_function_code)["q1_dnas"] is None
    assert april(outside.specialty.treatment_function_code)["q1_dnas"] == 15


def test_a_divisions_month_is_withheld_where_it_is_small(director, month_of_gap):
    small, outside = ClinicFactory(), ClinicFactory()
    month_of_gap(small, APRIL, q1=(3, 37), q5=(10, 90))
    month_of_gap(outside, APRIL, q1=(15, 60), q5=(8, 80))
    (month,) = target_progress(_division_of(small, owner=director), Audience.DIRECTOR).months
    assert month["q1_dnas"] is None and month["gap_points"] is None


def test_a_divisions_month_is_shown_where_every_specialtys_page_shows_it(director, month_of_gap):
    first, second = ClinicFactory(), ClinicFactory()
    month_of_gap(first, APRIL, q1=(30, 70), q5=(10, 90))
    month_of_gap(second, APRIL, q1=(20, 80), q5=(10, 90))
    (month,) = target_progress(_division_of(first, second, owner=director), Audience.DIRECTOR).months
    assert (month["q1_dnas"], month["q5_dnas"]) == (50, 20)
    assert month["gap_points"] == pytest.approx(15.0)
