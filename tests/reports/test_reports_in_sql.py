import random
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients.models import age_band
from reports.selectors import dna_gap, dna_rates
from tests.support.factories import ClinicFactory, PatientFactory

pytestmark = pytest.mark.django_db


def queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def add_rows(make_appointments, n, seed):
    rng = random.Random(seed)
    clinics = [ClinicFactory() for _ in range(3)]
    for _ in range(n):
        make_appointments(
            [rng.choice([3, 5, 5, 5, 2])],
            clinic=rng.choice(clinics),
            imd_decile=rng.randint(1, 10),
            day=date(2024, 1, 1) + timedelta(days=rng.randint(0, 500)),
        )


@pytest.mark.postgres
def test_reports_run_a_fixed_number_of_queries_whatever_the_rows(make_appointments):
    add_rows(make_appointments, 10, seed=1)
    reports = [
        lambda: dna_rates("imd_quintile"),
        lambda: dna_rates("specialty", "age_band"),
        lambda: dna_rates("month", "ethnicity"),
        lambda: dna_gap(by="specialty", target_points=2),
    ]
    before = [queries(report) for report in reports]
    add_rows(make_appointments, 120, seed=2)
    assert [queries(report) for report in reports] == before
    assert before == [2, 1, 1, 2]  # one aggregate each, plus a look-up of the rollup where it could answer


def test_age_band_in_sql_agrees_with_the_python_definition(make_appointments):
    rng = random.Random(7)
    expected: dict[str, int] = {}
    for _ in range(40):
        born = date(1930, 1, 1) + timedelta(days=rng.randint(0, 34000))
        day = max(born + timedelta(days=1), date(2024, 1, 1) + timedelta(days=rng.randint(0, 700)))
        patient = PatientFactory(date_of_birth=born)
        make_appointments([5], patient=patient, day=day)
        age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
        expected[age_band(age)] = expected.get(age_band(age), 0) + 1
    assert {row.groups["age_band"]: row.appointments for row in dna_rates("age_band")} == expected
