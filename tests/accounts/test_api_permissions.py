"""API views check roles the way pages do; tokens carry their owner's roles; a view that
declares no role is closed; call handlers see only their own team's rows."""

import pytest
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from accounts.permissions import HasRole
from accounts.roles import CALL_HANDLER, DIRECTOR, TEAM_LEAD
from accounts.selectors import staff_who_can_take_calls, team_of
from tests.support.factories import TeamFactory, UserFactory, make_user

pytestmark = pytest.mark.django_db


class CallListView(APIView):
    permission_classes = [HasRole("accounts.work_call_list")]

    def get(self, request):
        return Response({"ok": True})


class ForgottenView(APIView):
    def get(self, request):
        return Response({"secret": True})


def _get_with_token(view, user):
    token = Token.objects.create(user=user)
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Token {token.key}")
    return view.as_view()(request)


def test_a_token_carries_its_owners_role(call_handler):
    assert _get_with_token(CallListView, call_handler).status_code == 200


def test_a_directors_token_is_refused_where_a_directors_login_is(director):
    assert _get_with_token(CallListView, director).status_code == 403


def test_no_token_is_refused():
    response = CallListView.as_view()(APIRequestFactory().get("/"))
    assert response.status_code in (401, 403)


def test_a_view_that_declares_no_role_is_closed_even_to_admins(admin_user):
    assert _get_with_token(ForgottenView, admin_user).status_code == 403


def test_has_role_records_the_permission_it_checks():
    assert HasRole("accounts.view_reports").required_permission == "accounts.view_reports"


def test_team_of_is_the_staff_members_team_or_none():
    north = TeamFactory(name="North")

    assert team_of(make_user(CALL_HANDLER, team=north)) == north
    assert team_of(UserFactory()) is None


def test_me_tells_a_token_holder_which_roles_the_token_carries(client, call_handler):
    token = Token.objects.create(user=call_handler)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert response.json() == {
        "username": "handler",
        "roles": ["Call handler"],
        "permissions": ["accounts.view_patient_data", "accounts.work_call_list"],
        "team": "Outpatient outreach",
    }


def test_me_refuses_a_request_without_credentials(client):
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_the_staff_who_can_take_a_call_are_exactly_those_the_reassignment_accepts():
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    handler, lead = make_user(CALL_HANDLER, team=north), make_user(TEAM_LEAD, team=north)
    director = make_user(DIRECTOR, team=north)
    away = make_user(CALL_HANDLER, team=north)
    away.is_active = False
    away.save()
    make_user(CALL_HANDLER, team=south)
    granted = make_user(DIRECTOR, team=north)  # a director also given the permission on its own
    granted.user_permissions.add(Permission.objects.get(codename="work_call_list"))

    offered = set(staff_who_can_take_calls(north))

    assert offered == {handler, lead, granted}
    assert all(user.has_perm("accounts.work_call_list") for user in offered)
    assert not director.has_perm("accounts.work_call_list")
