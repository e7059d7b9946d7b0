"""Setting and following targets: who may, the viewer's own first, and bad input refused clearly."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from audit.models import AuditEvent
from targets.models import DisparityTarget
from targets.services import target_create
from tests.support.factories import ClinicFactory, SpecialtyFactory
from tests.targets.conftest import APRIL, specialty_target

pytestmark = pytest.mark.django_db


def _new_target_form(specialty, **overrides):
    return {
        "scope": "specialty", "specialty": specialty.pk, "baseline_month": "2025-01", "baseline_gap_points": "12.5",
        "target_month": "2026-01", "target_gap_points": "6", "note": "", **overrides,
    }  # fmt: skip


def test_a_director_sets_a_target_they_own_and_it_is_audited(client_for, director):
    specialty = SpecialtyFactory()
    response = client_for(director).post(reverse("target-new"), _new_target_form(specialty))
    target = DisparityTarget.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("target-detail", args=[target.pk])
    assert (target.owner, target.specialty, target.baseline_month) == (director, specialty, date(2025, 1, 1))
    assert target.target_gap_points == Decimal("6.00")
    assert AuditEvent.objects.for_target(target).filter(action="create", actor=director).exists()


@pytest.mark.parametrize("role", ["call_handler", "team_lead"])
def test_call_handlers_and_team_leads_may_not_set_targets(client_for, request, role):
    user = request.getfixturevalue(role)
    client = client_for(user)
    assert client.get(reverse("target-new")).status_code == 403
    assert client.post(reverse("target-new"), _new_target_form(SpecialtyFactory())).status_code == 403
    assert not DisparityTarget.objects.exists()


def test_a_director_may_not_change_or_retire_another_directors_target(client_for, director, another_director):
    target = specialty_target(SpecialtyFactory(), another_director)
    client = client_for(director)
    assert client.get(reverse("target-edit", args=[target.pk])).status_code == 403
    form = {"baseline_month": "2025-01", "baseline_gap_points": "20", "target_month": "2025-07",
            "target_gap_points": "1"}  # fmt: skip
    assert client.post(reverse("target-edit", args=[target.pk]), form).status_code == 403
    assert client.post(reverse("target-retire", args=[target.pk])).status_code == 403
    target.refresh_from_db()
    assert target.target_gap_points == Decimal("8") and target.retired_at is None


def test_a_director_cannot_give_a_target_to_someone_else(director, another_director):
    with pytest.raises(PermissionDenied):
        target_create(
            scope="specialty", subject=SpecialtyFactory(), owner=another_director, baseline_month=date(2025, 1, 1),
            baseline_gap_points=Decimal(10), target_month=date(2025, 6, 1), target_gap_points=Decimal(5),
            set_by=director,
        )  # fmt: skip


def test_an_admin_gives_a_target_to_a_director_but_not_to_a_call_handler(client_for, admin_user, director,
                                                                         call_handler):  # fmt: skip
    specialty = SpecialtyFactory()
    client = client_for(admin_user)
    refused = client.post(reverse("target-new"), _new_target_form(specialty, owner=call_handler.pk))
    assert refused.status_code == 400 and not DisparityTarget.objects.exists()
    client.post(reverse("target-new"), _new_target_form(specialty, owner=director.pk))
    assert DisparityTarget.objects.get().owner == director


def test_the_owner_changes_the_trajectory_and_the_change_is_audited(client_for, director):
    target = specialty_target(SpecialtyFactory(), director)
    form = {"baseline_month": "2025-01", "baseline_gap_points": "20", "target_month": "2025-10",
            "target_gap_points": "5", "note": "Board agreed a later date"}  # fmt: skip
    response = client_for(director).post(reverse("target-edit", args=[target.pk]), form)
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.target_month, target.target_gap_points) == (date(2025, 10, 1), Decimal("5.00"))
    event = AuditEvent.objects.for_target(target).get(action="change")
    assert event.changes["target_month"] == ["2025-07-01", "2025-10-01"]


def test_a_target_month_before_the_baseline_is_refused_and_nothing_is_saved(client_for, director):
    response = client_for(director).post(
        reverse("target-new"), _new_target_form(SpecialtyFactory(), target_month="2024-06")
    )
    assert response.status_code == 400
    assert "The target month must come after the baseline month." in response.content.decode()
    assert not DisparityTarget.objects.exists()


def test_a_second_target_for_the_same_specialty_is_refused_naming_the_first(client_for, director, another_director):
    specialty = SpecialtyFactory()
    specialty_target(specialty, another_director)
    response = client_for(director).post(reverse("target-new"), _new_target_form(specialty))
    assert response.status_code == 400
    assert "already has a target, owned by" in response.content.decode()
    assert DisparityTarget.objects.count() == 1


def test_a_retired_target_leaves_the_list_and_its_specialty_may_have_a_new_one(client_for, director):
    specialty = SpecialtyFactory()
    target = specialty_target(specialty, director)
    client = client_for(director)
    assert client.post(reverse("target-retire", args=[target.pk])).status_code == 302
    assert client.get(reverse("targets-list")).context["cards"] == []
    client.post(reverse("target-new"), _new_target_form(specialty))
    assert DisparityTarget.objects.active().get().pk != target.pk


def test_the_dashboard_shows_the_viewers_own_targets_first(client_for, director, another_director, month_of_gap):
    theirs, mine = ClinicFactory(name="Aardvark clinic"), ClinicFactory()
    month_of_gap(mine, APRIL, q1=(30, 70), q5=(10, 90))
    specialty_target(theirs.specialty, another_director)  # set first, and first by name
    own = specialty_target(mine.specialty, director)

    response = client_for(director).get(reverse("dashboard-start"))
    (panel,) = response.context["panels"]
    cards = panel.context["cards"]
    assert [card["target"].owner for card in cards] == [director, another_director]
    assert cards[0]["progress"].status == "off_trajectory"
    content = response.content.decode()
    assert content.index(f'data-target-id="{own.pk}"') < content.index('data-own="false"')
    assert "Off trajectory" in content

    theirs_first = client_for(another_director).get(reverse("targets-list")).context["cards"]
    assert [card["target"].owner for card in theirs_first] == [another_director, director]


def test_a_targets_page_draws_its_chart_and_trajectory_without_inline_code(client_for, director, month_of_gap):
    clinic = ClinicFactory()
    month_of_gap(clinic, APRIL, q1=(30, 70), q5=(10, 90))
    target = specialty_target(clinic.specialty, director)
    content = client_for(director).get(reverse("target-detail", args=[target.pk])).content.decode()
    assert 'data-line="trajectory"' in content and "<svg" in content
    assert "<script>" not in content and " style=" not in content
    assert "Change the target" in content


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target_month": date(2024, 12, 1)}, "The target month must come after the baseline month."),
        ({"target_gap_points": Decimal("-150")}, "A gap is between −100 and 100 percentage points."),
    ],
)
def test_a_target_set_without_the_form_is_refused_with_the_same_words(director, change, message):
    values = {"baseline_month": date(2025, 1, 1), "baseline_gap_points": Decimal(10), "target_month": date(2025, 6, 1),
              "target_gap_points": Decimal(5), **change}  # fmt: skip
    with pytest.raises(ValidationError) as refused:
        target_create(scope="specialty", subject=SpecialtyFactory(), owner=director, set_by=director, **values)
    assert message in str(refused.value)
    assert not DisparityTarget.objects.exists()
