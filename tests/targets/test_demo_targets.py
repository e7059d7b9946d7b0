import json
from io import StringIO

import pytest
from django.core.management import call_command

from targets.models import DisparityTarget
from tests.support.factories import ClinicFactory, SpecialtyFactory
from tests.targets.conftest import APRIL

pytestmark = pytest.mark.django_db


def test_the_demo_gives_its_divisions_targets_owned_by_the_demo_director(month_of_gap):
    surgery = ClinicFactory(specialty=SpecialtyFactory(treatment_function_code="100", name="General Surgery"))
    month_of_gap(surgery, APRIL, q1=(20, 80), q5=(10, 90))
    out = StringIO()
    call_command("create_demo_logins", "--force", "--json", stdout=out)
    call_command("create_demo_logins", "--force", "--json", stdout=StringIO())  # safe to run again

    assert json.loads(out.getvalue().splitlines()[-1])["targets"] == ["Surgery division", "Medicine division"]
    targets = DisparityTarget.objects.active().order_by("division__name")
    assert [(t.division.name, t.owner.username) for t in targets] == [("Medicine", "director"), ("Surgery", "director")]
    surgery_target = targets.get(division__name="Surgery")
    assert surgery_target.division.specialty_codes() == ("100",)
    assert (surgery_target.baseline_month.isoformat(), surgery_target.target_month.isoformat()) == (
        "2024-04-01",
        "2026-04-01",
    )
