import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.roles import ADMIN, CALL_HANDLER, DIRECTOR, SAFEGUARDING_LEAD, TEAM_LEAD, sync_roles
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


def _group_permissions(role):
    return {
        f"{app_label}.{codename}"
        for app_label, codename in Group.objects.get(name=role.group).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def _model_permissions(models: dict[str, str]) -> set[str]:
    """{"app.model": "add view"} -> {"app.add_model", "app.view_model"}"""
    return {
        f"{label.split('.')[0]}.{action}_{label.split('.')[1]}"
        for label, actions in models.items()
        for action in actions.split()
    }


ALL = "add change delete view"
# What the admin role manages in the admin site, model by model. A new model is not the
# admin's until it is added to accounts/roles.py (and here).
ADMIN_MODEL_PERMISSIONS = {
    "accounts.staffprofile": ALL,
    "aggregates.aggregatefile": "view",  # made by the export, downloaded through the audited API
    "aggregates.meshsend": "view",
    "accounts.team": ALL,
    "appointments.appointment": ALL,
    "appointments.clinic": ALL,
    "appointments.closureday": ALL,
    "appointments.importbatch": ALL,
    "appointments.importrowerror": ALL,
    "appointments.site": ALL,
    "appointments.specialty": ALL,
    "audit.auditevent": "view",
    "auth.group": ALL,
    "auth.permission": ALL,
    "auth.user": ALL,
    "authtoken.token": ALL,
    "authtoken.tokenproxy": ALL,
    "otp_totp.totpdevice": ALL,
    "axes.accessattempt": "delete view",
    "axes.accessattemptexpiration": "delete view",
    "axes.accessfailurelog": "delete view",
    "axes.accesslog": "delete view",
    "calls.bookingrequest": ALL,
    "hub.membertrust": ALL,
    "hub.receivedfile": ALL,  # the admin page allows viewing and the audited upload only
    "hub.trustfigure": ALL,
    "calls.callattempt": ALL,
    "calls.calltask": ALL,
    "calls.donotcall": ALL,
    "calls.supportoffer": ALL,
    "calls.teamcapacity": ALL,
    "patients.correctionconflict": ALL,
    "patients.deathconflict": ALL,  # a team lead's answer is an admin action (change)
    "patients.localcorrection": ALL,  # the admin page allows viewing only
    "patients.lsoadeprivation": ALL,
    "patients.patient": ALL,
    "patients.postcodelsoa": ALL,
    "letters.channelplan": "view",  # written by the nightly plan
    "letters.letter": "view",  # written by the planner and sender; a returned letter is marked there
    "pilots.allocation": ALL,
    "pilots.analysisplan": ALL,
    "pilots.pilot": ALL,
    "reminders.earlyreceipt": ALL,
    "reminders.inboundmessage": ALL,
    "reminders.messagetemplate": ALL,
    "reminders.outboxmessage": ALL,
    "reminders.reminder": ALL,
    "safeguarding.safeguardingentry": "view",  # filled by Attend, reviewed on its own audited page
    "reports.disparitytarget": ALL,
    "reports.dnadailycount": ALL,
    "reports.dnamonthlycount": ALL,
    "reports.dnarollupbuild": ALL,
    "reports.dnarollupdecile": ALL,
    "risk.riskmodel": ALL,
    "risk.riskscore": ALL,
    "targets.disparitytarget": ALL,
    "targets.division": ALL,
    "targets.divisionspecialty": ALL,
}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (CALL_HANDLER, {"accounts.work_call_list", "accounts.view_patient_data"}),
        (
            TEAM_LEAD,
            {"accounts.work_call_list", "accounts.lead_team", "accounts.view_patient_data", "letters.print_letters"},
        ),
        (DIRECTOR, {"accounts.view_reports"}),
        (SAFEGUARDING_LEAD, {"accounts.review_safeguarding", "accounts.view_patient_data"}),
        (
            ADMIN,
            {"accounts.administer_attend", "accounts.view_reports", "accounts.view_patient_data"}
            | _model_permissions(ADMIN_MODEL_PERMISSIONS),
        ),
    ],
    ids=lambda value: value.group if hasattr(value, "group") else "",
)
def test_each_role_holds_exactly_the_permissions_listed_for_it(role, expected):
    sync_roles()
    assert _group_permissions(role) == expected


def test_an_admin_cannot_work_call_lists_or_lead_a_team_without_being_given_that_role(admin_user):
    assert admin_user.has_perm("accounts.administer_attend")
    assert not admin_user.has_perm("accounts.work_call_list")
    assert not admin_user.has_perm("accounts.lead_team")


def test_a_permission_added_to_a_role_by_hand_is_taken_away_by_the_next_sync():
    sync_roles()
    Group.objects.get(name=CALL_HANDLER.group).permissions.add(
        Permission.objects.get(content_type__app_label="accounts", codename="lead_team")
    )
    sync_roles()
    assert _group_permissions(CALL_HANDLER) == {"accounts.work_call_list", "accounts.view_patient_data"}
