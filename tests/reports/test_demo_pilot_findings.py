"""The demo's past pilot (demo/pilot.py) has a known effect that works only through being reached by
a call: the evaluation must get it back within its interval, and its page must show reach, the
complier effect, support used on the day and spill-over."""

from datetime import date

import pytest
from django.urls import reverse

from demo import synthetic
from demo.pilot import run_past_demo_pilot
from demo.trust import load_synthetic_trust
from pilots.models import Pilot
from reports.findings import pilot_findings

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

TODAY = date(2025, 6, 2)


@pytest.fixture
def demo_pilot():
    trust = synthetic.generate(patients=4000, seed=2019, today=TODAY)
    load_synthetic_trust(trust)
    summary = run_past_demo_pilot(trust, today=TODAY)
    return Pilot.objects.get(), summary


def test_the_complier_effect_covers_the_demo_pilots_true_effect_of_being_reached(demo_pilot):
    pilot, summary = demo_pilot
    effect = pilot_findings(pilot).as_dict()["complier_effect"]
    assert effect["not_estimable"] == []
    assert effect["cace_ci_low"] <= summary.true_complier_effect <= effect["cace_ci_high"]
    # Being reached does more than being offered a call: the ITT effect is diluted by those not reached.
    assert abs(effect["cace"]) > abs(effect["itt"])


def test_the_demo_pilot_page_shows_reach_the_complier_effect_support_used_and_spill_over(
    demo_pilot, client_for, admin_user
):
    pilot, summary = demo_pilot
    response = client_for(admin_user).get(reverse("dashboard-pilot", args=[pilot.pk]))
    findings = response.context["findings"]
    by_quintile = findings["reach"][0]
    assert sum(row["offered_call"] for row in by_quintile["rows"]) == summary.intervention
    assert any("a call that reached the patient" in warning for warning in by_quintile["warnings"])
    assert findings["complier_effect"]["cace"] is not None
    used = next(stage for stage in findings["support_stages"][-1]["stages"] if stage["stage"] == "used")
    assert used["offers"] > 0
    spill = findings["spill_over"]
    assert spill["intervention"]["appointments"] > 0 and spill["control"]["appointments"] > 0
    assert spill["difference_ci_low"] < 0 < spill["difference_ci_high"]  # no spill-over was simulated
    assert findings["analysis_plan"]["registered_before_start"]
    content = response.content.decode()
    for text in ("Reach, by deprivation", "Complier average causal effect", "used on the day", "Spill-over"):
        assert text in content
