"""The risk model watched live: realised AUC and calibration per month, overall, per IMD quintile
and in the pilot's control arm; warnings when it drifts; who gets help against who needs it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.management import call_command
from django.urls import reverse
from sklearn.metrics import roc_auc_score

from appointments.models import AttendanceCode
from calls.models import CallTask
from monitoring.models import LiveCheck, Population
from monitoring.services import help_shares, live_checks_compute, live_warnings
from pilots.models import Allocation, Arm
from risk.models import RiskModel, RiskScore
from tests.support.call_factories import PilotFactory
from tests.support.factories import AppointmentFactory, PatientFactory, TeamFactory

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
MARCH = date(2026, 3, 1)


@pytest.fixture
def model():
    return RiskModel.objects.create(
        version=7, algorithm="test", artifact=b"{}", artifact_sha256="0" * 64, metrics={"all": {"auc": 0.85}}
    )


def _history(model, *, n=120, seed=3, deciles=(1, 9), weak=False):
    """n appointments in March 2026 with scores and outcomes; deprived patients DNA more."""
    rng = np.random.default_rng(seed)
    made = []
    for i in range(n):
        decile = deciles[i % len(deciles)]
        p = float(rng.uniform(0.02, 0.6))
        dna = rng.random() < (0.3 if weak else p)
        appointment = AppointmentFactory(
            patient=PatientFactory(imd_decile=decile),
            starts_at=datetime(2026, 3, 2 + i % 27, 10, tzinfo=LONDON),
            attendance_code=AttendanceCode.DID_NOT_ATTEND if dna else AttendanceCode.ATTENDED,
        )
        RiskScore.objects.create(
            appointment=appointment, model=model, probability=p, band="high", scored_at=appointment.starts_at
        )
        made.append((appointment, p, dna, decile))
    return made


def test_a_months_checks_are_the_realised_auc_and_calibration_overall_and_per_quintile(model):
    made = _history(model)
    live_checks_compute(month=MARCH)
    overall = LiveCheck.objects.get(model=model, month=MARCH, population=Population.ALL, group="all")
    y = np.array([dna for *_, dna, _ in made], dtype=float)
    p = np.array([p for _, p, _, _ in made])
    assert (overall.rows, overall.dnas) == (120, int(y.sum()))
    assert overall.auc == pytest.approx(roc_auc_score(y, p))
    assert overall.auc_low < overall.auc < overall.auc_high
    assert (overall.mean_predicted, overall.dna_rate) == (pytest.approx(p.mean()), pytest.approx(y.mean()))
    q1 = LiveCheck.objects.get(model=model, month=MARCH, population=Population.ALL, group="imd_quintile:1")
    assert q1.rows == 60
    assert not LiveCheck.objects.filter(population=Population.CONTROL).exists()  # no pilot ran


def test_the_control_arm_is_checked_on_its_own(model):
    made = _history(model)
    pilot = PilotFactory()
    for number, (appointment, *_rest) in enumerate(made[:40]):
        Allocation.objects.create(
            pilot=pilot, appointment=appointment, arm=Arm.CONTROL, stratum=1, block_number=number,
            position_in_block=0, risk_probability=0.5,
        )  # fmt: skip
    live_checks_compute(month=MARCH)
    control = LiveCheck.objects.get(model=model, month=MARCH, population=Population.CONTROL, group="all")
    assert control.rows == 40


def test_recomputing_a_month_replaces_its_checks(model):
    _history(model)
    live_checks_compute(month=MARCH)
    count = LiveCheck.objects.count()
    live_checks_compute(month=MARCH)
    assert LiveCheck.objects.count() == count


def test_a_model_that_ranks_no_better_than_chance_live_is_warned_about(model, settings):
    settings.ATTEND_MONITOR_MIN_APPOINTMENTS = 100
    _history(model, weak=True, n=200)
    live_checks_compute(month=MARCH)
    warnings = live_warnings(model)
    assert any("realised AUC" in w and "below the hold-out's 0.850" in w for w in warnings)


def test_too_few_appointments_are_not_judged(model, settings):
    settings.ATTEND_MONITOR_MIN_APPOINTMENTS = 1000
    _history(model, weak=True)
    live_checks_compute(month=MARCH)
    assert live_warnings(model) == []


def test_who_gets_help_against_who_needs_it(model):
    made = _history(model, n=100)
    team = TeamFactory()
    for appointment, _, _, decile in made:
        if decile == 9:  # the list calls only the least deprived
            CallTask.objects.create(
                team=team, patient=appointment.patient, appointment=appointment, list_date=MARCH, priority=0.5
            )
    total, parts = help_shares(model=model, since=date(2026, 1, 1))["imd_quintile"]
    by_group = {part.group: part for part in parts}
    assert total.selected == 50 and by_group["5"].share_of(total, "selected") == 1.0
    assert by_group["1"].share_of(total, "selected") == 0.0 and by_group["1"].share_of(total, "dnas") > 0.3


def test_the_live_page_shows_the_months_and_is_refused_to_call_handlers(model, client_for, director, call_handler):
    _history(model)
    call_command("monitor_risk_model", "--month", "2026-03")
    page = client_for(director).get(reverse("risk-model-live", args=[model.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="live-by-month"' in body and "Mar 2026" in body and 'id="help-1"' in body
    assert client_for(call_handler).get(reverse("risk-model-live", args=[model.pk])).status_code == 403


def test_the_card_links_to_the_live_page(model, client_for, director):
    body = client_for(director).get(reverse("risk-model-card", args=[model.pk])).content.decode()
    assert reverse("risk-model-live", args=[model.pk]) in body
