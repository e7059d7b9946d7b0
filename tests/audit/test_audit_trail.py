import pytest

from audit.models import AuditAction, AuditEvent, AuditTrailIsAppendOnly
from audit.services import audit_record, field_changes
from tests.support.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_a_change_to_a_patient_is_recorded_with_who_what_and_from_where(call_handler, rf):
    patient = PatientFactory(preferred_language="en")
    request = rf.get("/", REMOTE_ADDR="10.1.2.3")
    request.user = call_handler

    audit_record(
        action=AuditAction.CHANGE,
        target=patient,
        request=request,
        changes=field_changes(
            patient, {"preferred_language": "pl", "interpreter_required": patient.interpreter_required}
        ),
    )

    event = AuditEvent.objects.for_target(patient).get()
    assert event.actor == call_handler
    assert event.actor_label == "handler"
    assert event.ip_address == "10.1.2.3"
    assert event.changes == {"preferred_language": ["en", "pl"]}


def test_audit_events_cannot_be_edited_or_deleted(call_handler):
    event = audit_record(action=AuditAction.VIEW, target_type="patients.patient", target_id="1", actor=call_handler)

    event.summary = "tampered"
    with pytest.raises(AuditTrailIsAppendOnly):
        event.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        event.delete()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().update(summary="tampered")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().summary == ""


def test_system_jobs_are_named_when_there_is_no_user():
    event = audit_record(action=AuditAction.CREATE, target_type="patients.patient", target_id="7", actor_label="import")
    assert event.actor is None
    assert event.actor_label == "import"


def test_viewing_a_patient_is_recorded_with_who_when_and_from_where(call_handler, rf):
    from audit.services import audit_patient_view

    patient = PatientFactory()
    request = rf.get("/calls/42/", REMOTE_ADDR="10.9.8.7")
    request.user = call_handler

    audit_patient_view(request, patient)

    event = AuditEvent.objects.for_target(patient).get()
    assert (event.action, event.actor, event.ip_address, event.summary) == (
        AuditAction.VIEW, call_handler, "10.9.8.7", "/calls/42/"
    )  # fmt: skip
    assert event.at is not None


def test_an_export_is_recorded_with_what_and_how_many_rows(admin_user, rf):
    from audit.services import audit_export

    request = rf.get("/reports/export/")
    request.user = admin_user

    audit_export(request, what="dna_report.imd_quintile", rows=5)

    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.actor == admin_user
    assert event.summary == "Exported 5 rows of dna_report.imd_quintile"


def test_admins_can_read_the_audit_trail_in_the_admin(client_for, admin_user):
    AuditEvent.objects.create(action=AuditAction.VIEW, actor_label="someone", target_type="patients.patient")
    client = client_for(admin_user)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    event = AuditEvent.objects.get()
    page = client.get(f"/admin/audit/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content


def test_admins_cannot_add_or_delete_audit_events_in_the_admin(client_for, admin_user):
    event = AuditEvent.objects.create(action=AuditAction.VIEW, actor_label="someone", target_type="patients.patient")
    client = client_for(admin_user)
    assert client.get("/admin/audit/auditevent/add/").status_code == 403
    client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("role_fixture", ["call_handler", "team_lead", "director"])
def test_other_roles_cannot_read_the_audit_trail(client_for, request, role_fixture):
    client = client_for(request.getfixturevalue(role_fixture))
    response = client.get("/admin/audit/auditevent/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_opening_a_patient_in_the_admin_is_recorded(client_for, admin_user):
    patient = PatientFactory()
    client_for(admin_user).get(f"/admin/patients/patient/{patient.pk}/change/", REMOTE_ADDR="10.0.0.9")

    event = AuditEvent.objects.for_target(patient).get()
    assert (event.action, event.actor, event.ip_address) == (AuditAction.VIEW, admin_user, "10.0.0.9")


def test_searching_patients_in_the_admin_is_recorded_with_the_search(client_for, admin_user):
    client_for(admin_user).get("/admin/patients/patient/?q=Patient1")

    event = AuditEvent.objects.get(target_type="patients.patient")
    assert event.action == AuditAction.VIEW
    assert "q=Patient1" in event.summary


def test_changing_a_patient_in_the_admin_is_recorded_with_before_and_after(client_for, admin_user):
    from django.forms.models import model_to_dict

    patient = PatientFactory(preferred_language="en")
    data = {k: ("" if v is None else v) for k, v in model_to_dict(patient).items()}
    data.update(preferred_language="pl", date_of_birth="1990-05-17")

    response = client_for(admin_user).post(f"/admin/patients/patient/{patient.pk}/change/", data)

    assert response.status_code == 302
    event = AuditEvent.objects.for_target(patient).get(action=AuditAction.CHANGE)
    assert event.changes["preferred_language"] == ["en", "pl"]
