import pytest
from django.urls import reverse

from accounts.roles import ADMIN, CALL_HANDLER, DIRECTOR, TEAM_LEAD
from tests.support.factories import UserFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("role", "start_page"),
    [(CALL_HANDLER, "/calls/"), (TEAM_LEAD, "/team/"), (DIRECTOR, "/dashboard/"), (ADMIN, "/admin/")],
)
def test_logging_in_sends_each_role_to_its_own_start_page(client, role, start_page):
    make_user(role, username="person")
    response = client.post(reverse("login"), {"username": "person", "password": "correct-horse-battery"}, follow=True)
    assert response.redirect_chain[-1][0] == start_page
    assert response.status_code == 200


def test_a_login_without_a_role_is_told_to_ask_for_one(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert b"do not have a role" in response.content


def test_a_wrong_password_is_refused_with_a_message(client):
    make_user(CALL_HANDLER, username="person")
    response = client.post(reverse("login"), {"username": "person", "password": "wrong"})
    assert response.status_code == 200
    assert b"There is a problem" in response.content


def test_pages_need_a_login(client):
    response = client.get(reverse("calls-start"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("role", "forbidden"),
    [(DIRECTOR, "calls-start"), (CALL_HANDLER, "dashboard-start"), (CALL_HANDLER, "team-start")],
)
def test_a_role_cannot_open_another_roles_start_page(client_for, role, forbidden):
    client = client_for(make_user(role))
    assert client.get(reverse(forbidden)).status_code == 403


def test_directors_have_no_permission_to_see_patient_data(director):
    assert director.has_perm("accounts.view_reports")
    assert not director.has_perm("accounts.view_patient_data")


def test_admins_reach_the_admin_site(client_for, admin_user):
    assert client_for(admin_user).get("/admin/patients/patient/").status_code == 200
