"""train_risk_model: trains from the database, registers a model, activates only when asked,
and refuses bad input with a clear message while the active model stays as it was."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from appointments.models import AttendanceCode
from risk.models import RiskModel
from tests.support.factories import AppointmentFactory, PatientFactory


def _train(*args: str) -> dict:
    out = []

    class Sink:
        def write(self, text: str) -> None:
            out.append(text)

        def flush(self) -> None:
            pass

    call_command("train_risk_model", "--json", *args, stdout=Sink())
    return json.loads("".join(out).strip().splitlines()[-1])


@pytest.mark.slow
def test_training_from_the_database_registers_an_inactive_model_with_baselines(demo_trust):
    with override_settings(ATTEND_RISK_MIN_ROWS=300):
        summary = _train()
    model = RiskModel.objects.get(version=summary["version"])
    assert not model.is_active
    assert set(model.metrics) >= {"as_deployed", "all", "populations"}
    assert set(model.metrics["as_deployed"]) == {"model", "spline_logistic_regression", "gradient_boosting_defaults",
                                         "prior_dna_rate_rule"}  # fmt: skip
    assert "ethnic_group" in model.fairness
    assert model.artifact_sha256 and bytes(model.artifact).startswith(b"{")
    assert summary["holdout_from"] > summary["trained_to"]


@pytest.mark.slow
def test_activate_flag_makes_the_new_model_the_only_active_one(demo_trust, active_risk_model):
    with override_settings(ATTEND_RISK_MIN_ROWS=300):
        summary = _train("--activate")
    assert summary["active"] is True
    assert list(RiskModel.objects.filter(is_active=True).values_list("version", flat=True)) == [summary["version"]]


def _assert_refused(match: str, active: RiskModel) -> None:
    with pytest.raises(CommandError, match=match):
        _train("--activate")
    assert list(RiskModel.objects.values_list("version", "is_active")) == [(active.version, True)]


def test_no_history_is_refused_and_the_active_model_is_unchanged(active_risk_model):
    AppointmentFactory(starts_at=timezone.now() + timedelta(days=3))  # upcoming only
    _assert_refused("No history", active_risk_model)


def test_too_few_rows_is_refused_and_the_active_model_is_unchanged(active_risk_model):
    patient = PatientFactory()
    for days, code in ((10, AttendanceCode.ATTENDED), (20, AttendanceCode.DID_NOT_ATTEND)):
        AppointmentFactory(patient=patient, starts_at=timezone.now() - timedelta(days=days), attendance_code=code)
    _assert_refused("Too few rows", active_risk_model)


@override_settings(ATTEND_RISK_MIN_ROWS=20)
def test_one_class_only_is_refused_and_the_active_model_is_unchanged(active_risk_model):
    patient = PatientFactory()
    for days in range(1, 300, 7):
        AppointmentFactory(patient=patient, starts_at=timezone.now() - timedelta(days=days),
                           attendance_code=AttendanceCode.ATTENDED)  # fmt: skip
    _assert_refused("One class only", active_risk_model)


def _history_in_2019(days: int = 40) -> None:
    patients = PatientFactory.create_batch(5)
    first = datetime(2019, 3, 4, 10, 0, tzinfo=ZoneInfo("Europe/London"))
    for i in range(days):
        for j, patient in enumerate(patients):
            code = AttendanceCode.DID_NOT_ATTEND if (i + j) % 6 == 0 else AttendanceCode.ATTENDED
            AppointmentFactory(patient=patient, starts_at=first + timedelta(days=i), attendance_code=code)


@override_settings(ATTEND_RISK_MIN_ROWS=100)
def test_as_of_and_holdout_from_are_used_and_a_refusal_names_what_it_saw(db):
    _history_in_2019()  # 200 appointments, 2019-03-04 to 2019-04-12
    with pytest.raises(CommandError) as refused:
        _train("--as-of", "2019-04-13", "--holdout-from", "2019-04-12")
    message = str(refused.value)
    assert "appointments that happened: 200 between 2019-03-04 and 2019-04-12" in message
    assert "the hold-out from 2019-04-12 has 5 with" in message
    assert not RiskModel.objects.exists()


@override_settings(ATTEND_RISK_MIN_ROWS=100)
def test_as_of_an_earlier_date_sees_only_the_appointments_before_it(db):
    _history_in_2019()
    with pytest.raises(CommandError, match="Too few rows: appointments that happened: 50 between 2019-03-04 and"):
        _train("--as-of", "2019-03-14")


def test_an_as_of_that_is_not_a_date_is_refused_by_the_command_line(db):
    with pytest.raises(CommandError, match="not a date in the form YYYY-MM-DD: '13/04/2019'"):
        _train("--as-of", "13/04/2019")
