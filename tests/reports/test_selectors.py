from datetime import date
from decimal import Decimal

import pytest

from reports.models import DisparityTarget
from reports.selectors import UnknownDimension, dna_gap, dna_rates
from reports.stats import newcombe_difference
from tests.support.factories import ClinicFactory, PatientFactory, SiteFactory, SpecialtyFactory

pytestmark = pytest.mark.django_db

ATTENDED, LATE_SEEN, DNA, LATE_NOT_SEEN, PATIENT_CANCELLED, HOSPITAL_CANCELLED, FUTURE = 5, 6, 3, 7, 2, 4, 0


def by_key(rows, name):
    return {row.groups[name]: row for row in rows}


def test_dna_rate_counts_codes_3_and_7_as_dna_and_5_and_6_as_attended(make_appointments):
    make_appointments([ATTENDED, LATE_SEEN, DNA, LATE_NOT_SEEN, ATTENDED], imd_decile=1)
    (row,) = dna_rates("imd_quintile")
    assert (row.appointments, row.dnas) == (5, 2)
    assert row.rate == pytest.approx(0.4)


def test_cancellations_and_future_appointments_are_in_neither_count(make_appointments):
    make_appointments([ATTENDED, DNA, PATIENT_CANCELLED, HOSPITAL_CANCELLED, FUTURE], imd_decile=1)
    (row,) = dna_rates("imd_quintile")
    assert (row.appointments, row.dnas) == (2, 1)


def test_deciles_fold_into_quintiles_with_quintile_1_most_deprived(make_appointments):
    make_appointments([DNA, ATTENDED], imd_decile=1)
    make_appointments([DNA, DNA], imd_decile=2)
    make_appointments([ATTENDED], imd_decile=9)
    make_appointments([ATTENDED, DNA], imd_decile=10)
    make_appointments([ATTENDED], imd_decile=None)
    rows = by_key(dna_rates("imd_quintile"), "imd_quintile")
    assert {q: (r.appointments, r.dnas) for q, r in rows.items()} == {1: (4, 3), 5: (3, 1), None: (1, 0)}


def test_age_band_is_the_age_on_the_day_of_the_appointment(make_appointments):
    # 18 on 10 March 2025: the day before, still 17.
    make_appointments([DNA], date_of_birth=date(2007, 3, 10), day=date(2025, 3, 10))
    make_appointments([ATTENDED], date_of_birth=date(2007, 3, 11), day=date(2025, 3, 10))
    make_appointments([ATTENDED], date_of_birth=date(1940, 1, 1), day=date(2025, 3, 10))
    rows = by_key(dna_rates("age_band"), "age_band")
    assert {band: (r.appointments, r.dnas) for band, r in rows.items()} == {
        "18-29": (1, 1),
        "0-17": (1, 0),
        "80+": (1, 0),
    }


def test_ethnicity_reports_the_broad_group_and_blank_as_not_known(make_appointments):
    make_appointments([DNA], ethnic_category="H")
    make_appointments([ATTENDED], ethnic_category="K")
    make_appointments([ATTENDED], ethnic_category="")
    rows = by_key(dna_rates("ethnicity"), "ethnicity")
    assert {g: (r.appointments, r.dnas) for g, r in rows.items()} == {"Asian": (2, 1), "Not known": (1, 0)}


def test_month_and_sex_dimensions_cross(make_appointments):
    make_appointments([DNA, ATTENDED], sex="M", day=date(2025, 1, 31))
    make_appointments([ATTENDED], sex="F", day=date(2025, 2, 1))
    rows = dna_rates("month", "sex")
    assert [(r.as_dict()["month"], r.groups["sex"], r.appointments, r.dnas) for r in rows] == [
        ("2025-01", "M", 2, 1),
        ("2025-02", "F", 1, 0),
    ]


def test_specialty_by_quintile_crosses_two_dimensions(make_appointments):
    skin = ClinicFactory(specialty=SpecialtyFactory(name="Dermatology"))
    eyes = ClinicFactory(specialty=SpecialtyFactory(name="Ophthalmology"))
    make_appointments([DNA, ATTENDED], clinic=skin, imd_decile=1)
    make_appointments([ATTENDED], clinic=skin, imd_decile=10)
    make_appointments([DNA], clinic=eyes, imd_decile=1)
    rows = dna_rates("specialty", "imd_quintile")
    assert [(r.groups["specialty"], r.groups["imd_quintile"], r.appointments, r.dnas) for r in rows] == [
        ("Dermatology", 1, 2, 1),
        ("Dermatology", 5, 1, 0),
        ("Ophthalmology", 1, 1, 1),
    ]


def test_filters_restrict_by_dates_site_and_specialty(make_appointments):
    north = ClinicFactory(site=SiteFactory(ods_code="RN001"), specialty=SpecialtyFactory(treatment_function_code="330"))
    south = ClinicFactory(site=SiteFactory(ods_code="RS001"), specialty=SpecialtyFactory(treatment_function_code="130"))
    make_appointments([DNA], clinic=north, day=date(2025, 3, 1))
    make_appointments([ATTENDED, ATTENDED], clinic=north, day=date(2025, 3, 31))
    make_appointments([ATTENDED], clinic=north, day=date(2025, 4, 1))
    make_appointments([DNA], clinic=south, day=date(2025, 3, 15))
    (row,) = dna_rates("site", date_from=date(2025, 3, 1), date_to=date(2025, 3, 31), site="RN001")
    assert (row.appointments, row.dnas) == (3, 1)
    (row,) = dna_rates("site", specialty="130")
    assert (row.appointments, row.dnas) == (1, 1)


def test_an_unknown_dimension_is_refused():
    with pytest.raises(UnknownDimension):
        dna_rates("postcode")


def test_gap_is_quintile_1_minus_quintile_5_with_newcombe_interval(make_appointments):
    poor, rich = PatientFactory(imd_decile=2), PatientFactory(imd_decile=9)
    make_appointments([DNA] * 12 + [ATTENDED] * 48, patient=poor)
    make_appointments([DNA] * 6 + [ATTENDED] * 54, patient=rich)
    (gap,) = dna_gap()
    expected = newcombe_difference(12, 60, 6, 60)
    out = gap.as_dict()
    assert out["gap_points"] == pytest.approx(10.0)
    assert (out["gap_ci_low"], out["gap_ci_high"]) == (
        pytest.approx(100 * expected.low),
        pytest.approx(100 * expected.high),
    )
    assert out["ratio"] == pytest.approx(2.0)


def test_gap_is_judged_against_the_directors_latest_target(make_appointments):
    make_appointments([DNA] * 12 + [ATTENDED] * 48, imd_decile=1)
    make_appointments([DNA] * 6 + [ATTENDED] * 54, imd_decile=10)
    DisparityTarget.objects.create(gap_points=Decimal("12.0"))
    DisparityTarget.objects.create(gap_points=Decimal("5.0"))
    (gap,) = dna_gap()
    assert gap.as_dict()["target_points"] == 5.0
    assert gap.meets_target is False


def test_gap_per_specialty_has_one_row_each(make_appointments):
    skin = ClinicFactory(specialty=SpecialtyFactory(name="Dermatology"))
    eyes = ClinicFactory(specialty=SpecialtyFactory(name="Ophthalmology"))
    for clinic, q1_dnas in ((skin, 10), (eyes, 5)):
        make_appointments([DNA] * q1_dnas + [ATTENDED] * (50 - q1_dnas), clinic=clinic, imd_decile=1)
        make_appointments([DNA] * 5 + [ATTENDED] * 45, clinic=clinic, imd_decile=10)
    gaps = {g.groups["specialty"]: g for g in dna_gap(by="specialty")}
    assert gaps["Dermatology"].gap_points == pytest.approx(100 * (10 / 50 - 5 / 50))
    assert gaps["Ophthalmology"].gap_points == pytest.approx(0.0)
