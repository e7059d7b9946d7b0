"""train_risk_model: trains from the database, registers a model, activates only when asked,
and refuses bad input with a clear message while the active model stays as it was."""

from __future__ import annotations

import json
from datetime import timedelta

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
    assert set(model.metrics) == {"model", "logistic_regression", "prior_dna_rate_rule"}
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
