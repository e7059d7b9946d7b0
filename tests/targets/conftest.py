from datetime import date
from decimal import Decimal

import pytest

from accounts.roles import DIRECTOR
from targets.models import DisparityTarget, Scope
from tests.reports.conftest import make_appointments  # noqa: F401 - the reports' fixture, used here too
from tests.support.factories import ClinicFactory, make_user

DNA, ATTENDED = 3, 5
MARCH, APRIL = date(2025, 3, 10), date(2025, 4, 10)


@pytest.fixture
def another_director(db):
    return make_user(DIRECTOR, username="another-director")


@pytest.fixture
def month_of_gap(make_appointments):  # noqa: F811
    """`month_of_gap(clinic, day, q1=(dnas, attended), q5=(dnas, attended))`: one month's quintile 1 and 5
    appointments (deciles 1 and 10) at a clinic."""

    def make(clinic, day, *, q1, q5):
        make_appointments([DNA] * q1[0] + [ATTENDED] * q1[1], clinic=clinic, day=day, imd_decile=1)
        make_appointments([DNA] * q5[0] + [ATTENDED] * q5[1], clinic=clinic, day=day, imd_decile=10)

    return make


def specialty_target(specialty, owner, **fields):
    """Baseline 20 points in January 2025 to 8 points by July 2025: 14 points expected in April."""
    values = {
        "baseline_month": date(2025, 1, 1),
        "baseline_gap_points": Decimal("20"),
        "target_month": date(2025, 7, 1),
        "target_gap_points": Decimal("8"),
        **fields,
    }
    return DisparityTarget.objects.create(scope=Scope.SPECIALTY, specialty=specialty, owner=owner, **values)


@pytest.fixture
def clinic():
    return ClinicFactory()
