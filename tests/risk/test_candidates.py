"""A model chosen on the trust's own data: candidates compared on the validation slice only,
ties to the simpler, never worse there than the best baseline; the registry says which won and why."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from django.test import override_settings

from config.localtime import local_midnight
from demo import synthetic
from risk.candidates import TIE, Candidate, choose
from risk.features import compute_features
from risk.registry import load_predictor, register_model
from risk.table import table_from_synthetic
from risk.training import train_model
from tests.risk.conftest import morning_of

TODAY = date(2025, 6, 2)


def _candidate(name: str, loss: float, complexity: float) -> Candidate:
    return Candidate(name=name, kind="lightgbm", params={}, complexity=complexity, validation_raw=np.zeros(1),
                     validation_log_loss=loss, validation_auc=0.7)  # fmt: skip


def test_the_lowest_validation_log_loss_wins_when_it_is_clearly_lowest():
    winner, reason = choose([_candidate("simple", 0.300, 0), _candidate("trees", 0.290, 500)])
    assert winner.name == "trees"
    assert reason.startswith("lowest validation log-loss (0.2900; next simple 0.3000)")


def test_a_tie_on_validation_goes_to_the_simpler_candidate():
    winner, reason = choose([_candidate("trees", 0.2900, 500), _candidate("simple", 0.2900 + TIE / 2, 0)])
    assert winner.name == "simple"
    assert "within" in reason and "and simpler" in reason


@pytest.fixture(scope="module")
def trust():
    return synthetic.generate(patients=1500, seed=7, today=TODAY)


@pytest.fixture(scope="module")
def result(trust):
    with override_settings(ATTEND_RISK_MIN_ROWS=300):
        return train_model(table_from_synthetic(trust.appointments), as_of=morning_of(TODAY))


def test_the_candidates_are_chosen_and_the_final_model_fitted_without_the_hold_out_outcomes(trust, result):
    # Scramble every hold-out outcome: if the search, the calibration or the refit looked at them,
    # something would change. Only the hold-out's own figures may.
    table = table_from_synthetic(trust.appointments)
    holdout = (table.starts >= local_midnight(result.holdout_from).timestamp()) & table.has_happened
    rng = np.random.default_rng(0)
    table.code[holdout] = rng.choice([3, 5], size=int(holdout.sum()))
    with override_settings(ATTEND_RISK_MIN_ROWS=300):
        scrambled = train_model(table, as_of=morning_of(TODAY))
    assert scrambled.metrics["selection"] == result.metrics["selection"]
    assert scrambled.predictor.to_artifact() == result.predictor.to_artifact()
    assert scrambled.metrics["all"]["model"]["auc"] != result.metrics["all"]["model"]["auc"]


def test_the_chosen_model_is_never_worse_than_the_best_baseline_on_validation(result):
    selection = result.metrics["selection"]
    chosen = next(c for c in selection["candidates"] if c["name"] == selection["winner"])
    best_baseline = min(b["validation_log_loss"] for b in selection["baselines_on_validation"].values())
    assert chosen["validation_log_loss"] <= best_baseline + TIE
    assert {c["name"] for c in selection["candidates"]} >= {"spline_logistic_regression", "lightgbm_1"}


def test_the_registry_stores_which_candidate_won_and_why(db, result):
    model = register_model(result=result)
    assert model.metrics["selection"]["winner"] == result.metrics["selection"]["winner"]
    assert model.metrics["selection"]["reason"]
    assert model.parameters["candidate"] == result.metrics["selection"]["winner"]


@pytest.fixture(scope="module")
def linear_result(trust):
    with override_settings(ATTEND_RISK_MIN_ROWS=300):
        return train_model(table_from_synthetic(trust.appointments), as_of=morning_of(TODAY),
                           kinds=("spline_logistic",))  # fmt: skip


def test_a_chosen_logistic_regression_is_stored_as_numbers_and_scores_exactly_as_trained(db, trust, linear_result):
    model = register_model(result=linear_result)
    assert model.algorithm.startswith("Logistic regression with natural splines")
    loaded = load_predictor(model)
    assert loaded.kind == "spline_logistic" and loaded.booster is None
    matrix = loaded.matrix(compute_features(table_from_synthetic(trust.appointments)))
    trained = linear_result.predictor
    assert np.array_equal(loaded.raw_score(matrix), trained.raw_score(matrix))
    contributions = loaded.contributions(matrix)
    assert abs(contributions.sum(axis=1) - loaded.raw_score(matrix)).max() < 1e-9


def test_a_logistic_regression_gives_reasons_from_its_own_terms(linear_result, trust):
    from risk.explanations import reasons

    predictor = linear_result.predictor
    columns = compute_features(table_from_synthetic(trust.appointments))
    matrix = predictor.matrix(columns)
    texts = reasons(columns, predictor.contributions(matrix), predictor.features)
    assert any(texts) and all(len(t) <= 3 for t in texts)
    assert all(t[0].isupper() and "_" not in t for row in texts for t in row)


def test_a_stored_model_from_before_candidates_still_loads():
    import json

    import lightgbm as lgb

    from risk.features import configured_features
    from risk.predictor import Calibrator, Predictor

    features = [f for f in configured_features() if f in ("prior_dnas", "booking_lead_days", "hour")]
    rng = np.random.default_rng(1)
    x, y = rng.random((500, len(features))), rng.random(500) < 0.2
    booster = lgb.train({"objective": "binary", "verbose": -1, "num_leaves": 4},
                        lgb.Dataset(x, label=y, feature_name=features), num_boost_round=5)  # fmt: skip
    predictor = Predictor(booster, Calibrator(kind="platt"), features, {}, {"high": 0.3, "medium": 0.2})
    data = json.loads(predictor.to_artifact())
    version_1 = {k: v for k, v in data.items() if k != "kind"} | {"format": "attend-risk-model/1"}
    loaded = Predictor.from_artifact(json.dumps(version_1).encode(), expected_features=features)
    assert loaded.kind == "lightgbm"
    assert np.array_equal(loaded.raw_score(x), predictor.raw_score(x))


def test_inputs_with_no_information_on_the_trusts_data_are_left_out_and_listed(trust):
    # A CDS-style extract: no time of day and no phone number for anyone.
    table = table_from_synthetic(trust.appointments)
    table.time_known[:] = False
    table.has_mobile[:] = False
    with override_settings(ATTEND_RISK_MIN_ROWS=300):
        result = train_model(table, as_of=morning_of(TODAY), kinds=("spline_logistic",))
    left_out = {u["feature"]: u["why"] for u in result.metrics["uninformative_inputs"]}
    assert left_out == {
        "hour": "missing on every appointment learned from",
        "has_mobile": "the same value (0.0) on every appointment learned from",
    }
    assert "hour" not in result.predictor.features and "has_mobile" not in result.predictor.features


def test_a_trust_whose_inputs_all_vary_leaves_nothing_out(result):
    assert result.metrics["uninformative_inputs"] == []


def test_a_specialty_seen_on_a_handful_of_training_appointments_is_pooled_not_learned(trust, settings):
    table = table_from_synthetic(trust.appointments)
    table.specialty[:5] = "654"  # five appointments, far below ATTEND_RISK_MIN_CATEGORY_ROWS
    settings.ATTEND_RISK_MIN_CATEGORY_ROWS = 30
    with override_settings(ATTEND_RISK_MIN_ROWS=300):
        result = train_model(table, as_of=morning_of(TODAY), kinds=("spline_logistic",))
    assert "654" not in result.predictor.categories["specialty"]
    assert len(result.predictor.categories["specialty"]) >= 3  # the common ones are kept


def test_a_slice_within_the_fitting_cap_is_fitted_on_every_row(trust, result):
    # The cap exactly at training + validation: the very model trained with the default cap, no sample.
    table = table_from_synthetic(trust.appointments)
    fit_rows = result.rows["training"] + result.rows["calibration"]
    with override_settings(ATTEND_RISK_MIN_ROWS=300, ATTEND_RISK_MAX_FIT_ROWS=fit_rows):
        at_cap = train_model(table, as_of=morning_of(TODAY))
    assert at_cap.predictor.to_artifact() == result.predictor.to_artifact()
    assert at_cap.metrics["selection"] == result.metrics["selection"]
    assert at_cap.rows == result.rows
    assert set(result.rows) == {"training", "calibration", "holdout"}


def test_above_the_fitting_cap_the_candidates_are_fitted_on_a_seeded_sample_and_judged_on_every_row(trust, result):
    table = table_from_synthetic(trust.appointments)
    cap = result.rows["training"] // 2
    with override_settings(ATTEND_RISK_MIN_ROWS=300, ATTEND_RISK_MAX_FIT_ROWS=cap):
        sampled, again = (train_model(table, as_of=morning_of(TODAY)) for _ in range(2))
    assert sampled.rows == {**result.rows, "sample_cap": cap, "sample_training": cap, "sample_refit": cap}
    assert sampled.predictor.to_artifact() != result.predictor.to_artifact()
    assert again.predictor.to_artifact() == sampled.predictor.to_artifact()  # the same data, the same sample
    # The validation and hold-out slices are still scored on all their rows.
    assert sampled.metrics["populations"] == result.metrics["populations"]
    assert [c["name"] for c in sampled.metrics["selection"]["candidates"]] == [
        c["name"] for c in result.metrics["selection"]["candidates"]
    ]
