"""The registry stores models as data, checks them on load, and never lets a bad one become active."""

from __future__ import annotations

import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from audit.models import AuditEvent
from risk.models import RiskModel, RiskScore
from risk.predictor import ArtifactError
from risk.registry import activate_model, load_predictor, register_model, sha256


def _active_versions() -> list[int]:
    return list(RiskModel.objects.filter(is_active=True).values_list("version", flat=True))


def test_stored_model_is_json_text_not_a_pickle(db, small_training_result):
    model = register_model(result=small_training_result)
    data = json.loads(bytes(model.artifact))
    assert data["format"] == "attend-risk-model/2"
    if data["kind"] == "lightgbm":
        assert data["booster"].startswith("tree")  # LightGBM's own text format
    else:
        assert all(isinstance(c, float) for c in data["linear"]["coefficients"])  # the regression's numbers
    assert model.artifact_sha256 == sha256(model.artifact)


def test_a_loaded_model_predicts_exactly_as_the_trained_one(db, small_training_result):
    model = register_model(result=small_training_result)
    loaded = load_predictor(RiskModel.objects.get(pk=model.pk))
    trained = small_training_result.predictor
    assert loaded.features == trained.features
    assert loaded.to_artifact() == trained.to_artifact()
    assert loaded.calibrator.as_dict() == trained.calibrator.as_dict()


def test_new_models_get_increasing_versions_and_start_inactive(db, small_training_result):
    first = register_model(result=small_training_result)
    second = register_model(result=small_training_result)
    assert second.version == first.version + 1
    assert not first.is_active and not second.is_active


def test_activating_a_model_deactivates_the_previous_one_and_is_audited(active_risk_model, small_training_result):
    newer = register_model(result=small_training_result)
    activate_model(model=newer)
    assert _active_versions() == [newer.version]
    assert AuditEvent.objects.filter(summary__startswith=f"Activated risk model v{newer.version}").exists()


def test_a_model_whose_features_do_not_match_its_file_is_refused(active_risk_model, small_training_result):
    bad = register_model(result=small_training_result)
    RiskModel.objects.filter(pk=bad.pk).update(features=bad.features[:-1])
    bad.refresh_from_db()
    with pytest.raises(ArtifactError, match="do not match"):
        activate_model(model=bad)
    assert _active_versions() == [active_risk_model.version]


def test_a_tampered_model_file_is_refused(active_risk_model, small_training_result):
    bad = register_model(result=small_training_result)
    tampered = bytearray(bad.artifact)
    tampered[len(tampered) // 2] ^= 1  # one bit, anywhere in the model
    RiskModel.objects.filter(pk=bad.pk).update(artifact=bytes(tampered))
    bad.refresh_from_db()
    with pytest.raises(ArtifactError, match="checksum"):
        activate_model(model=bad)
    assert _active_versions() == [active_risk_model.version]


def test_a_pickle_is_never_loaded(active_risk_model):
    import pickle

    payload = pickle.dumps({"format": "attend-risk-model/1"})
    RiskModel.objects.filter(pk=active_risk_model.pk).update(artifact=payload, artifact_sha256=sha256(payload))
    active_risk_model.refresh_from_db()
    with pytest.raises(ArtifactError, match="never loads pickles"):
        load_predictor(active_risk_model)


def test_scoring_with_an_active_model_that_does_not_match_its_features_is_refused(demo_trust, active_risk_model):
    RiskModel.objects.filter(pk=active_risk_model.pk).update(features=[*active_risk_model.features, "hour"])
    with pytest.raises(CommandError, match=r"Nothing scored.*do not match"):
        call_command("score_appointments")
    assert not RiskScore.objects.exists()
    assert _active_versions() == [active_risk_model.version]


@override_settings(ATTEND_RISK_EXCLUDED_FEATURES=["imd_decile"])
def test_a_model_using_a_feature_the_trust_now_excludes_is_not_used(active_risk_model):
    with pytest.raises(ArtifactError, match="imd_decile, which this trust's settings exclude"):
        load_predictor(active_risk_model)


def test_contributions_add_up_to_the_score_and_mostly_agree_with_treeshap(small_training_result):
    from datetime import timedelta

    from demo import synthetic
    from risk.features import compute_features
    from risk.table import table_from_synthetic
    from risk.training import train_model
    from tests.risk.conftest import morning_of

    # Trees only, whatever the small trust's own data would choose.
    day = small_training_result.holdout_to + timedelta(days=1)
    history = synthetic.generate(patients=1500, seed=7, today=day)
    with override_settings(ATTEND_RISK_MIN_ROWS=300):
        trees = train_model(table_from_synthetic(history.appointments), as_of=morning_of(day), kinds=("lightgbm",))
    trust = synthetic.generate(patients=300, seed=2, today=small_training_result.holdout_to)
    predictor = trees.predictor
    matrix = predictor.matrix(compute_features(table_from_synthetic(trust.appointments)))
    paths, shap = predictor.contributions(matrix), predictor.contributions(matrix, exact=True)
    raw = predictor.raw_score(matrix)
    assert abs(paths.sum(axis=1) - raw).max() < 1e-9
    assert abs(shap.sum(axis=1) - raw).max() < 1e-9
    assert (paths[:, :-1].argmax(axis=1) == shap[:, :-1].argmax(axis=1)).mean() > 0.6


def test_a_measure_undefined_on_a_tiny_group_is_stored_as_null_not_refused(db, small_training_result):
    # PostgreSQL's JSON has no NaN: a calibration slope on a group of three would make the whole row fail.
    from dataclasses import replace

    fairness = {"sex": {"X": {"model": {"rows": 3, "dnas": 1, "calibration_slope": float("nan")}}}}
    model = register_model(result=replace(small_training_result, fairness=fairness))
    model.refresh_from_db()
    assert model.fairness["sex"]["X"]["model"] == {"rows": 3, "dnas": 1, "calibration_slope": None}
