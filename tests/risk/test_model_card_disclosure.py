"""The model card's fairness table under the reports' disclosure rule, decided by who is looking."""

from types import SimpleNamespace

import pytest
from django.urls import reverse

from config.disclosure import AdditiveGroup, Audience, rate_is_disclosive, withheld_cells
from risk.presenters import RiskModelPresenter, fairness_withheld


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


def test_two_withheld_groups_with_no_dnas_between_them_are_not_pinned_at_none():
    """Sex U and X, withheld as small, hold no DNAs: the hold-out's DNAs minus F's and M's gave each
    of them as none. One more group with DNAs is withheld with them."""
    sex = {"F": (500, 60), "M": (400, 50), "U": (3, 0), "X": (2, 0)}
    fairness = {"sex": {label: {"model": {"rows": rows, "dnas": dnas}} for label, (rows, dnas) in sex.items()}}
    cells = tuple(("sex", label) for label in sex)
    sizes = {("sex", label): rows for label, (rows, _) in sex.items()} | {(): 905}
    plain = withheld_cells(
        sizes, [AdditiveGroup((), cells)], {c for c in cells if rate_is_disclosive(sex[c[1]][1], sex[c[1]][0])}
    )
    assert plain == {("sex", "U"), ("sex", "X")}  # 110 DNAs minus 60 and 50: none for either

    withheld = fairness_withheld(fairness)
    assert {("sex", "U"), ("sex", "X")} < withheld
    assert sum(sex[label][1] for _, label in withheld) > 0  # what the withheld hold between them is not known
