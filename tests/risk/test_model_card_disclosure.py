"""The model card's fairness table under the reports' disclosure rule, decided by who is looking."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from config.disclosure import Audience
from risk.presenters import RiskModelPresenter


def _group(rows, dnas):
    return {"model": {"rows": rows, "dnas": dnas, "dna_rate": dnas / rows, "auc": 0.7}}


FAIRNESS = {"sex": {"F": _group(500, 60), "M": _group(480, 50), "X": _group(12, 3), "U": _group(40, 6)}}


def _shown(audience):
    card = RiskModelPresenter(SimpleNamespace(fairness=FAIRNESS), audience=audience)
    (_, rows), *_ = [(title, rows) for title, rows in card.fairness_tables if rows]
    return {row.group: row.rows for row in rows}


def test_a_director_cannot_get_a_small_group_back_from_the_hold_out_total():
    # X (3 DNAs) is suppressed; the card shows the hold-out's size, so the smallest other group goes too.
    assert _shown(Audience.DIRECTOR) == {"F": "500", "M": "480", "X": "suppressed", "U": "suppressed"}


def test_an_analyst_sees_every_fairness_group():
    assert _shown(Audience.ANALYST) == {"F": "500", "M": "480", "X": "12", "U": "40"}


@pytest.mark.django_db
def test_the_card_page_decides_the_audience_from_who_is_signed_in(client_for, director, admin_user, active_risk_model):
    url = reverse("risk-model-card", args=[active_risk_model.pk])
    assert client_for(director).get(url).context["card"].audience is Audience.DIRECTOR
    assert client_for(admin_user).get(url).context["card"].audience is Audience.ANALYST
