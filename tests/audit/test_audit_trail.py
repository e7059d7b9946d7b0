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
