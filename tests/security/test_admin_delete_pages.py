"""Admin delete pages never walk an unbounded number of rows (issue 22, item 5).

On 1.35M appointments, the delete confirmation for one site ran past gunicorn's timeout:
Django's deletion collector fetched every appointment to list it. Referenced reference
data is refused with one EXISTS query per relation instead, and "Delete selected" (which
"select all" turns into the whole table) is offered nowhere.
"""

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import StaffProfile, Team
from appointments.models import Clinic, Site, Specialty
from audit.models import AuditAction, AuditEvent
from pilots.models import Allocation, Arm, Pilot
from risk.models import RiskModel
from tests.support.call_factories import OutreachRiskModelFactory, OutreachRiskScoreFactory, PilotFactory
from tests.support.factories import AppointmentFactory, ClinicFactory, SiteFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

# One page load: the session, the admin user and their permissions, the row, the message (8
# queries), and one EXISTS per relation that could refer to the row (config.admin.referenced_by).
# The collector would add a query per related table and a row per appointment to the page.
PAGE_QUERIES = 8


def _refusal_budget(obj) -> int:
    own_links = {field.remote_field.through for field in obj._meta.many_to_many}
    relations = [
        r for r in obj._meta.get_fields(include_hidden=True)
        if r.auto_created and not r.concrete and (r.one_to_one or r.one_to_many)
        and r.related_model not in own_links and not (r.one_to_one and r.on_delete is models.CASCADE)
    ]  # fmt: skip
    return PAGE_QUERIES + len(relations)


def _site_with_appointments(count=3):
    first = AppointmentFactory()
    for _ in range(count - 1):
        AppointmentFactory(clinic=first.clinic)
    return first.site


def _referenced(kind):
    """A reference row that something refers to, and what the refusal names."""
    if kind == "site":
        return _site_with_appointments(), "appointments"
    if kind == "specialty":
        return AppointmentFactory().specialty, "appointments"
    if kind == "clinic":
        return AppointmentFactory().clinic, "appointments"
    if kind == "risk model":
        return OutreachRiskScoreFactory().model, "risk scores"
    if kind == "pilot":
        pilot = PilotFactory()
        Allocation.objects.create(
            pilot=pilot, appointment=AppointmentFactory(), arm=Arm.CONTROL, stratum=1, block_number=1,
            position_in_block=1, risk_probability=0.4,
        )  # fmt: skip
        return pilot, "allocations"
    if kind == "team":
        team = TeamFactory(name="Referenced team")
        StaffProfile.objects.create(user=UserFactory(), team=team)
        return team, "staff profiles"
    if kind == "login":
        user = UserFactory()
        AuditEvent.objects.create(actor=user, actor_label=user.username, action=AuditAction.VIEW, target_type="x")
        return user, "audit events"
    if kind == "role group":
        group = Group.objects.create(name="Referenced role")
        UserFactory().groups.add(group)
        return group, "users"
    raise AssertionError(kind)


REFERENCE_KINDS = ["site", "specialty", "clinic", "risk model", "pilot", "team", "login", "role group"]


def _admin_url(obj, view):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[obj.pk])


def _collector_forbidden(monkeypatch):
    """Make any call of the admin's deletion collector fail the test."""

    def collect(*args, **kwargs):
        raise AssertionError("the delete page ran the deletion collector")

    monkeypatch.setattr(admin.ModelAdmin, "get_deleted_objects", collect)


@pytest.mark.parametrize("kind", REFERENCE_KINDS)
def test_referenced_reference_data_is_refused_without_running_the_deletion_collector(
    kind, client_for, admin_user, monkeypatch, django_assert_max_num_queries
):
    obj, referrer = _referenced(kind)
    client = client_for(admin_user)
    _collector_forbidden(monkeypatch)

    with django_assert_max_num_queries(_refusal_budget(obj)):
        response = client.get(_admin_url(obj, "delete"))

    assert response.status_code == 302
    assert response["Location"] == _admin_url(obj, "change")
    message = str(next(iter(response.wsgi_request._messages)))
    assert "cannot be deleted" in message and referrer in message


@pytest.mark.parametrize("kind", REFERENCE_KINDS)
def test_a_confirmed_delete_of_referenced_reference_data_deletes_nothing(kind, client_for, admin_user):
    obj, _ = _referenced(kind)
    response = client_for(admin_user).post(_admin_url(obj, "delete"), {"post": "yes"})
    assert response.status_code == 302
    assert type(obj)._base_manager.filter(pk=obj.pk).exists()


def test_a_referenced_sites_page_offers_no_delete_link_and_says_to_keep_it(client_for, admin_user):
    site = _site_with_appointments()
    response = client_for(admin_user).get(_admin_url(site, "change"))
    assert response.status_code == 200
    assert _admin_url(site, "delete").encode() not in response.content


def test_a_login_that_did_things_is_deactivated_instead_of_deleted(client_for, admin_user):
    user, _ = _referenced("login")
    response = client_for(admin_user).get(_admin_url(user, "delete"), follow=True)
    assert "Untick “Active” instead" in response.content.decode()


@pytest.mark.parametrize(
    "make",
    [
        lambda: SiteFactory(),
        lambda: Specialty.objects.create(treatment_function_code="999", name="Unused"),
        lambda: ClinicFactory(),
        lambda: OutreachRiskModelFactory(version=7, is_active=False),
        lambda: PilotFactory(),
        lambda: Team.objects.create(name="Unused team"),
        lambda: UserFactory(),
        lambda: Group.objects.create(name="Unused role"),
    ],
    ids=REFERENCE_KINDS,
)  # fmt: skip
def test_reference_data_nothing_refers_to_can_still_be_deleted(make, client_for, admin_user):
    obj = make()
    client = client_for(admin_user)
    assert client.get(_admin_url(obj, "delete")).status_code == 200
    assert client.post(_admin_url(obj, "delete"), {"post": "yes"}).status_code == 302
    assert not type(obj)._base_manager.filter(pk=obj.pk).exists()


def test_no_admin_page_offers_delete_selected(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(pk=admin_user.pk)
    request.user.is_superuser = True  # every permission: an action hidden only by permissions does not count
    offered = [
        model._meta.label for model, model_admin in admin.site._registry.items()
        if "delete_selected" in model_admin.get_actions(request)
    ]  # fmt: skip
    assert offered == []


@pytest.mark.parametrize("model", [Site, Specialty, Clinic, RiskModel, Pilot, Team, get_user_model(), Group])
def test_every_kind_of_reference_data_is_kept_while_referenced(model):
    from config.admin import DeleteUnreferencedOnlyMixin

    assert isinstance(admin.site._registry[model], DeleteUnreferencedOnlyMixin)
