"""The model card: admins and directors see the metrics and the fairness table; call handlers do not."""

from __future__ import annotations

import dataclasses

import pytest
from django.urls import reverse
from django.utils.html import escape

from risk.models import RiskModel
from risk.presenters import RiskModelPresenter, headline_population, verdict
from risk.registry import register_model


@pytest.fixture
def card_url(active_risk_model):
    return reverse("risk-model-card", args=[active_risk_model.pk])


def test_director_sees_the_fairness_table_by_imd_quintile_and_ethnic_group(client_for, director, card_url):
    page = client_for(director).get(card_url).content.decode()
    assert "Fairness: the model in each group" in page
    assert "IMD quintile (1 = most deprived)" in page
    assert "Ethnic group (used only to check the model, never as an input)" in page
    assert "attend-fairness-table" in page


def test_card_shows_the_model_and_both_baselines_side_by_side(client_for, admin_user, card_url, active_risk_model):
    page = client_for(admin_user).get(card_url).content.decode()
    for heading in ("This model", "Logistic regression (splines)", "Gradient boosting (scikit-learn defaults)",
                    "Prior DNA rate rule", "Expected calibration error"):  # fmt: skip
        assert heading in page
    assert f"{headline_population(active_risk_model.metrics)['model']['auc']:.3f}" in page
    assert "Days between booking and appointment" in page  # the features, in words


def test_card_says_whether_the_model_really_ranks_better_than_each_baseline(
    client_for, director, card_url, active_risk_model
):
    page = client_for(director).get(card_url).content.decode()
    versus_rule = headline_population(active_risk_model.metrics)["model"]["auc_above"]["prior_dna_rate_rule"]
    assert "DeLong" in page
    assert f"the prior DNA rate rule: AUC {versus_rule['difference']:+.3f}" in page
    assert f"95% CI {versus_rule['ci_low']:+.3f} to {versus_rule['ci_high']:+.3f}" in page
    assert "a logistic regression with splines for lead time and history: AUC" in page
    assert "scikit-learn&#x27;s gradient boosting with its defaults: AUC" in page
    assert escape(RiskModelPresenter(active_risk_model).verdict) in page


def test_card_says_the_score_is_never_used_to_overbook_or_move_patients_down_a_list(client_for, director, card_url):
    page = client_for(director).get(card_url).content.decode()
    assert "never used to overbook a clinic or to move a patient down a list" in page
    assert "Black patients wait longer" in page


def test_call_handlers_are_refused_the_model_pages(client_for, call_handler, card_url):
    client = client_for(call_handler)
    assert client.get(card_url).status_code == 403
    assert client.get(reverse("risk-models")).status_code == 403


def test_signed_out_people_go_to_the_login_page(client, card_url):
    assert client.get(card_url).status_code == 302


def test_model_list_shows_every_version(client_for, director, active_risk_model, small_training_result):
    newer = register_model(result=small_training_result)
    page = client_for(director).get(reverse("risk-models")).content.decode()
    assert f"Risk model v{active_risk_model.version}" in page and f"Risk model v{newer.version}" in page


def test_an_admin_activates_a_model_from_its_card(client_for, admin_user, active_risk_model, small_training_result):
    newer = register_model(result=small_training_result)
    response = client_for(admin_user).post(reverse("risk-model-activate", args=[newer.pk]))
    assert response.status_code == 302
    assert RiskModel.objects.get(is_active=True) == newer
    assert RiskModel.objects.get(pk=newer.pk).activated_by == admin_user


def test_a_director_cannot_activate_a_model(client_for, director, active_risk_model, small_training_result):
    newer = register_model(result=small_training_result)
    assert client_for(director).post(reverse("risk-model-activate", args=[newer.pk])).status_code == 403
    assert RiskModel.objects.get(is_active=True) == active_risk_model


def test_an_admin_activates_a_model_with_the_admin_action(
    client_for, admin_user, active_risk_model, small_training_result
):
    newer = register_model(result=small_training_result)
    client_for(admin_user).post(
        reverse("admin:risk_riskmodel_changelist"), {"action": "activate", "_selected_action": [newer.pk]}
    )
    assert RiskModel.objects.get(is_active=True) == newer


@pytest.mark.parametrize(
    ("rows", "dnas", "shown"),
    [(100, 10, True), (100, 4, False), (6, 5, False), (3, 0, False)],  # (6, 5): its one attendance would show
)
def test_a_fairness_group_is_shown_only_when_its_dnas_and_attendances_are_both_five_or_more(rows, dnas, shown):
    row = RiskModelPresenter._fairness_row("Group", {"rows": rows, "dnas": dnas, "dna_rate": dnas / rows, "auc": 0.7})
    assert (row.dna_rate != "suppressed") is shown
    assert (row.rows == f"{rows:,}") is shown


def _difference(low: float, high: float) -> dict:
    return {
        "difference": (low + high) / 2,
        "ci_low": low,
        "ci_high": high,
        "p_value": 0.2 if low < 0 < high else 0.0001,
    }


def test_the_verdict_names_the_best_and_says_not_significantly_different_as_plainly_as_better():
    figures = {
        "model": {"auc": 0.731, "auc_above": {
            "spline_logistic_regression": _difference(-0.004, 0.006),
            "gradient_boosting_defaults": _difference(-0.020, -0.004),
            "prior_dna_rate_rule": _difference(0.030, 0.060),
        }},
        "spline_logistic_regression": {"auc": 0.730},
        "gradient_boosting_defaults": {"auc": 0.743},
        "prior_dna_rate_rule": {"auc": 0.686},
    }  # fmt: skip
    sentence = verdict(figures)
    assert sentence.startswith("Gradient boosting (scikit-learn defaults) ranks best (AUC 0.743).")
    assert "significantly better than the prior DNA rate rule (+0.045, p < 0.001)" in sentence
    assert "not significantly different from a logistic regression with splines" in sentence
    assert "significantly worse than scikit-learn's gradient boosting with its defaults (-0.012" in sentence


def test_card_says_which_candidate_the_trusts_data_chose_and_why(client_for, director, card_url, active_risk_model):
    page = client_for(director).get(card_url).content.decode()
    selection = active_risk_model.metrics["selection"]
    assert "Chosen on this trust&#x27;s own data, on the validation slice" in page
    assert selection["winner"] + " (chosen)" in page
    assert "As deployed: appointments booked at least 3 days ahead" in page
    assert "All hold-out appointments" in page


def test_the_card_lists_the_inputs_left_out_for_carrying_no_information(client_for, director, active_risk_model):
    active_risk_model.metrics["uninformative_inputs"] = [
        {"feature": "hour", "label": "Time of day", "why": "missing on every appointment learned from"}
    ]
    active_risk_model.save(update_fields=["metrics"])
    page = client_for(director).get(reverse("risk-model-card", args=[active_risk_model.pk])).content.decode()
    section = page[page.index('id="uninformative-inputs"') :][:500]
    assert "Time of day: missing on every appointment learned from" in section


def test_card_says_when_the_model_was_fitted_on_a_sample_and_how_many_rows(client_for, admin_user, card_url,
                                                                            small_training_result):  # fmt: skip
    rows = small_training_result.rows
    sample = {"sample_cap": 1000, "sample_training": 1000, "sample_refit": 1000}
    sampled = register_model(result=dataclasses.replace(small_training_result, rows={**rows, **sample}))
    client = client_for(admin_user)
    assert "Fitted on a sample" not in client.get(card_url).content.decode()
    page = client.get(reverse("risk-model-card", args=[sampled.pk])).content.decode()
    assert "Fitted on a sample" in page
    assert f"the candidates on 1,000 of the {rows['training']:,} training appointments" in page
    assert f"refitted on 1,000 of the {rows['training'] + rows['calibration']:,} in both slices" in page
