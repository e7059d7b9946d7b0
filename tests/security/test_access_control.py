"""Every page and API endpoint in the URL conf checks who is asking.

The endpoints are discovered from the URL conf (tests/support/urlwalk.py), so pages and
endpoints added by any app are covered; arguments are filled with dummy values and a 404
is accepted. What each endpoint allows comes from its own declaration
(tests/support/access_policy.py): anonymous visitors are sent to the login page (pages) or
refused (API); each role is refused (403) where its permissions do not reach and let in
where they do; webhooks refuse requests without a provider signature.
"""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from accounts.roles import ADMIN, CALL_HANDLER, DIRECTOR, SAFEGUARDING_LEAD, TEAM_LEAD
from patients.identifiers import national_format
from tests.support.access_policy import declared_rule, kind
from tests.support.factories import AppointmentFactory, make_user
from tests.support.urlwalk import endpoints

pytestmark = pytest.mark.django_db

ENDPOINTS = endpoints()
LOGIN = reverse("login")
CLAIMING = {"call-next", "api-worklist-claim-next", "call-take"}
ADMIN_LOGIN = reverse("admin:login")


@pytest.fixture
def staff():
    return {role.group: make_user(role, username=role.group.lower().replace(" ", "-")) for role in
            (CALL_HANDLER, TEAM_LEAD, DIRECTOR, ADMIN, SAFEGUARDING_LEAD)}  # fmt: skip


def _request(client, user, path):
    """GET the path as `user`; POST instead when the view only takes POST."""
    client.logout()
    if user.is_authenticated:
        client.force_login(user)
    response = client.get(path)
    if response.status_code == 405:
        response = client.post(path)
    return response


def _sent_to(response, login_path):
    return response.status_code == 302 and response["Location"].startswith(login_path)


def test_the_walk_finds_the_known_pages():
    paths = {e.path for e in ENDPOINTS}
    assert {"/calls/", "/team/", "/dashboard/", "/api/schema/", "/healthz"} <= paths


def test_every_endpoint_declares_who_may_use_it():
    undeclared = [e.name for e in ENDPOINTS if kind(e) in {"page", "api"} and declared_rule(e) is None]
    assert undeclared == [], (
        "These endpoints declare no role. Guard pages with accounts.decorators.role_required(...), "
        "API views with permission_classes = [accounts.permissions.HasRole(...)], or list a public "
        "endpoint with its reason in tests/support/access_policy.py."
    )


def test_anonymous_visitors_are_sent_to_login_or_refused(client):
    wrong = []
    for endpoint in ENDPOINTS:
        category = kind(endpoint)
        if category in {"public", "webhook"}:
            continue
        response = _request(client, AnonymousUser(), endpoint.path)
        if category == "api" or endpoint.path.startswith("/api/"):
            ok = response.status_code in (401, 403)
        elif category == "admin":
            ok = _sent_to(response, ADMIN_LOGIN) or response.status_code == 404
        else:
            ok = _sent_to(response, LOGIN)
        if not ok:
            wrong.append((endpoint.path, response.status_code))
    assert wrong == []


def test_each_role_is_refused_where_its_permissions_do_not_reach_and_let_in_where_they_do(client, staff):
    wrong = []
    for endpoint in ENDPOINTS:
        rule = declared_rule(endpoint)
        if kind(endpoint) not in {"page", "api"} or rule is None:
            continue
        for role, user in staff.items():
            response = _request(client, user, endpoint.path)
            allowed = rule(user)
            if allowed:
                ok = response.status_code not in (401, 403) and not _sent_to(response, LOGIN)
            else:
                ok = response.status_code == 403
            if not ok or response.status_code >= 500:
                wrong.append((endpoint.path, role, "allowed" if allowed else "refused", response.status_code))
    assert wrong == []


def test_every_role_reaches_the_pages_open_to_all_staff(client, staff):
    wrong = []
    for endpoint in (e for e in ENDPOINTS if kind(e) == "signed-in"):
        for role, user in staff.items():
            response = _request(client, user, endpoint.path)
            if response.status_code >= 400 or _sent_to(response, LOGIN):
                wrong.append((endpoint.path, role, response.status_code))
    assert wrong == []


def test_only_admins_get_into_the_admin_site(client, staff):
    wrong = []
    for endpoint in (e for e in ENDPOINTS if kind(e) == "admin"):
        for role, user in staff.items():
            response = _request(client, user, endpoint.path)
            if role == ADMIN.group:
                ok = response.status_code < 500 and not _sent_to(response, ADMIN_LOGIN)
            else:
                ok = _sent_to(response, ADMIN_LOGIN) or response.status_code in (403, 404)
            if not ok:
                wrong.append((endpoint.path, role, response.status_code))
    assert wrong == []


def test_webhooks_refuse_requests_without_a_provider_signature(client):
    wrong = []
    for endpoint in (e for e in ENDPOINTS if kind(e) == "webhook"):
        response = client.post(endpoint.path, {"MessageSid": "SM1", "Body": "1"})
        if not 400 <= response.status_code < 500:
            wrong.append((endpoint.path, response.status_code))
    assert wrong == []


def test_directors_see_no_patient_identifiable_data_anywhere(client, staff):
    appointment = AppointmentFactory()
    patient = appointment.patient
    # Fill ids with this patient's and appointment's, so detail pages show them if they can.
    walked = {e.path: e for pk in {patient.pk, appointment.pk, 1} for e in endpoints(int_sample=pk)}
    leaks = []
    for endpoint in walked.values():
        response = _request(client, staff[DIRECTOR.group], endpoint.path)
        body = response.content.decode(errors="replace")
        shown_phone = national_format(patient.mobile) if patient.mobile else ""
        for value in (patient.nhs_number, patient.family_name, patient.mobile, shown_phone, patient.hospital_number):
            if value and value in body:
                leaks.append((endpoint.path, value))
    assert leaks == []


def test_the_safeguarding_lead_sees_only_the_children_on_the_safeguarding_list(client, staff):
    """Their role reaches the safeguarding list and nothing else that names patients: an adult's
    appointment, and a child's that is not on the list, appear on no endpoint they can open."""
    from datetime import date

    from safeguarding.services import safeguarding_list_dnas
    from tests.support.factories import ClinicFactory, PatientFactory, SpecialtyFactory

    adult = AppointmentFactory(patient=PatientFactory(family_name="Adultpatient"))
    paediatrics = ClinicFactory(specialty=SpecialtyFactory(treatment_function_code="420"))
    child = AppointmentFactory(
        patient=PatientFactory(family_name="Unlistedchild", date_of_birth=date(2015, 3, 1)), clinic=paediatrics
    )
    listed = AppointmentFactory(
        patient=PatientFactory(family_name="Listedchild", date_of_birth=date(2015, 3, 1)), clinic=paediatrics,
        attendance_code=3,
        starts_at=child.starts_at.replace(year=child.starts_at.year - 1),
    )  # fmt: skip
    safeguarding_list_dnas()
    walked = {e.path: e for pk in {adult.pk, adult.patient.pk, child.pk, child.patient.pk, 1}
              for e in endpoints(int_sample=pk)}  # fmt: skip
    leaks, shown = [], False
    for endpoint in walked.values():
        body = _request(client, staff[SAFEGUARDING_LEAD.group], endpoint.path).content.decode(errors="replace")
        shown |= listed.patient.family_name in body
        for patient in (adult.patient, child.patient):
            if patient.family_name in body or patient.nhs_number in body:
                leaks.append((endpoint.path, patient.family_name))
    assert leaks == []
    assert shown


def test_webhooks_refuse_an_oversized_body_without_a_server_error(client, settings):
    oversized = b"Body=" + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    wrong = []
    for endpoint in (e for e in ENDPOINTS if kind(e) == "webhook"):
        response = client.post(endpoint.path, oversized, content_type="application/x-www-form-urlencoded")
        if not 400 <= response.status_code < 500:
            wrong.append((endpoint.path, response.status_code))
    assert wrong == []


@pytest.mark.parametrize("how_it_ended", ["done", "cancelled_by_import", "released", "reassigned", "retry_later"])
def test_a_handler_sees_a_calls_patient_nowhere_once_they_no_longer_hold_it(client, staff, how_it_ended):
    """The card (page and API) follows the claim: once the call is done, cancelled, released,
    given to someone else or put back for a retry, its handler sees its patient on no endpoint;
    the team lead still can."""
    from calls.models import CallTaskStatus
    from calls.transitions import call_transition
    from tests.support.call_factories import CallTaskFactory

    handler, lead = staff[CALL_HANDLER.group], staff[TEAM_LEAD.group]
    task = CallTaskFactory(team=handler.staff_profile.team)
    call_transition(task, to=CallTaskStatus.CLAIMED, claimed_by=handler)
    card = reverse("call-card", args=[task.pk])
    _request(client, handler, card)
    assert _request(client, handler, card).status_code == 200
    if how_it_ended == "done":
        call_transition(task, to=CallTaskStatus.DONE, close_reason="Reached the patient")
    elif how_it_ended == "cancelled_by_import":
        from appointments.changes import AppointmentChanges, announce_appointments_changed
        from appointments.models import AttendanceCode

        task.appointment.attendance_code = AttendanceCode.PATIENT_CANCELLED
        task.appointment.save()
        announce_appointments_changed(AppointmentChanges(cancelled_ids=[task.appointment_id]))
    elif how_it_ended == "released":
        call_transition(task, to=CallTaskStatus.QUEUED)
    elif how_it_ended == "reassigned":
        call_transition(task, to=CallTaskStatus.CLAIMED, claimed_by=make_user(CALL_HANDLER, username="another"))
    else:
        call_transition(task, to=CallTaskStatus.RETRY)
    leaks = []
    # Claiming (the next call, or a found patient's call) is left out: a released or retried call is
    # back on the list, and claiming it again is how a handler is meant to get it back.
    for endpoint in (e for e in endpoints(int_sample=task.pk) if e.name not in CLAIMING):
        body = _request(client, handler, endpoint.path).content.decode(errors="replace")
        if task.patient.nhs_number in body or task.patient.family_name in body:
            leaks.append(endpoint.path)
    assert leaks == []
    assert _request(client, handler, card).status_code == 404
    assert _request(client, lead, card).status_code == 200
