"""The same measures: a trust's figures on the hub equal its own dashboard's for the same period.

The trust's file is built here from its own appointments by the trust's report selectors (a test
helper, not the trust-side export), so the comparison is of the hub's arithmetic on aggregates
against the dashboard's on appointments."""

from datetime import date

import pytest

from hub.selectors import Period, gaps_over_time, trust_figures
from hub.services import aggregate_file_load
from reports.selectors import dna_gap, dna_rates, monthly_gaps
from tests.hub.files import aggregate_file, as_bytes
from tests.reports.conftest import at
from tests.support.factories import AppointmentFactory, ClinicFactory, PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust_appointments():
    """Two months of a small trust: DNA rates differ by decile and month (codes 3 and 7 DNA, 5 and 6 attended,
    2 and 4 cancelled)."""
    clinic = ClinicFactory()
    plan = {1: (3, 3, 5, 5, 6, 5, 5, 2), 2: (3, 5, 5, 6, 4), 5: (3, 7, 5, 5, 5, 5, 5, 5), 9: (5, 5, 6, 3, 5, 2),
            10: (5, 5, 5, 5, 5, 3, 6)}  # fmt: skip
    for day in (date(2025, 3, 10), date(2025, 4, 14)):
        for decile, codes in plan.items():
            patient = PatientFactory(imd_decile=decile)
            for code in codes if day.month == 3 else codes[1:]:
                AppointmentFactory(patient=patient, clinic=clinic, starts_at=at(day), attendance_code=code)


def _file_from_the_trusts_own_selectors() -> dict:
    rows = [
        {"month": row.groups["month"].strftime("%Y-%m"), "imd_quintile": row.groups["imd_quintile"],
         "happened": row.appointments, "dnas": row.dnas, "cancelled": 0, "suppressed": False}
        for row in dna_rates("month", "imd_quintile", date_from=date(2025, 3, 1), date_to=date(2025, 4, 30))
    ]  # fmt: skip
    return aggregate_file(period=("2025-03-01", "2025-04-30"), tables=[{"by": ["month", "imd_quintile"], "rows": rows}])


def test_a_trusts_rate_and_gap_on_the_hub_equal_its_own_dashboards(members, trust_appointments):
    assert aggregate_file_load(content=as_bytes(_file_from_the_trusts_own_selectors()), sender="test").loaded
    [hub] = [f for f in trust_figures(Period(date(2025, 3, 1), date(2025, 4, 1))) if f.trust.ods_code == "RAA"]
    own_gap = dna_gap(date_from=date(2025, 3, 1), date_to=date(2025, 4, 30), target_points=None)[0]
    own_rates = dna_rates("imd_quintile", date_from=date(2025, 3, 1), date_to=date(2025, 4, 30))
    assert hub.gap.as_dict() == own_gap.as_dict()
    assert (hub.rate.dnas, hub.rate.appointments) == (
        sum(r.dnas for r in own_rates),
        sum(r.appointments for r in own_rates),
    )
    assert hub.gap.gap_points is not None and hub.gap.difference.low < hub.gap.gap_points / 100


def test_a_trusts_monthly_gap_on_the_hub_equals_its_own_dashboards(members, trust_appointments):
    assert aggregate_file_load(content=as_bytes(_file_from_the_trusts_own_selectors()), sender="test").loaded
    [series] = gaps_over_time()
    own = monthly_gaps(date_from=date(2025, 3, 1), date_to=date(2025, 4, 30), target_points=None)
    assert [m.month for m in series.months] == [g.groups["month"] for g in own]
    assert [m.gap.as_dict() for m in series.months] == [
        {k: v for k, v in g.as_dict().items() if k != "month"} for g in own
    ]
