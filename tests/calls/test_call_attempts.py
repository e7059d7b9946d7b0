from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import CALL_HANDLER, TEAM_LEAD
from appointments.models import AttendanceCode
from audit.models import AuditEvent
from calls.models import (
    BookingRequest,
    CallAttempt,
    CallResult,
    CallTaskStatus,
    Intention,
    SupportOffer,
    SupportStatus,
    SupportType,
)
from calls.services import (
    AppointmentNoLongerUpcoming,
    AttemptInput,
    InvalidAttempt,
    NotInTeam,
    StaleClaim,
    SupportInput,
    call_attempt_record,
    call_reassign,
    call_release,
    support_offer_update,
)
from tests.support.call_factories import CallTaskFactory
from tests.support.factories import TeamFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def claimed(call_handler):
    return CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())


def record(task, handler, **data):
    return call_attempt_record(task_id=task.pk, handler=handler, data=AttemptInput(**data))


def test_reaching_the_patient_closes_the_call_with_intention_and_support(claimed, call_handler):
    record(
        claimed,
        call_handler,
        result=CallResult.REACHED,
        intention=Intention.WILL_ATTEND,
        support=[
            SupportInput(SupportType.TRAVEL_COSTS, SupportStatus.ACCEPTED),
            SupportInput(SupportType.INTERPRETER, language="pl"),
        ],
    )
    claimed.refresh_from_db()
    assert claimed.status == CallTaskStatus.DONE
    assert claimed.attempts_made == 1
    offers = dict(SupportOffer.objects.values_list("support_type", "status"))
    assert offers == {SupportType.TRAVEL_COSTS: SupportStatus.ACCEPTED, SupportType.INTERPRETER: SupportStatus.OFFERED}
    assert SupportOffer.objects.get(support_type=SupportType.INTERPRETER).language == "pl"


def test_no_answer_brings_the_call_back_later(claimed, call_handler, settings):
    settings.ATTEND_CALL_RETRY_AFTER_MINUTES = 90
    record(claimed, call_handler, result=CallResult.NO_ANSWER)
    claimed.refresh_from_db()
    assert claimed.status == CallTaskStatus.RETRY
    assert claimed.claimed_by is None
    assert claimed.not_before > timezone.now() + timedelta(minutes=80)


def test_no_answer_after_the_maximum_attempts_closes_the_call(claimed, call_handler, settings):
    settings.ATTEND_CALL_MAX_ATTEMPTS = 2
    claimed.attempts_made = 1
    claimed.save()
    record(claimed, call_handler, result=CallResult.VOICEMAIL)
    claimed.refresh_from_db()
    assert claimed.status == CallTaskStatus.DONE
    assert "2 attempts" in claimed.close_reason


def test_a_retry_is_not_planned_after_the_appointment(claimed, call_handler, settings):
    settings.ATTEND_CALL_RETRY_AFTER_MINUTES = 60 * 24 * 30
    record(claimed, call_handler, result=CallResult.NO_ANSWER)
    claimed.refresh_from_db()
    assert claimed.status == CallTaskStatus.DONE


@pytest.mark.parametrize(("intention", "kind"), [(Intention.REBOOK, "rebook"), (Intention.CANCEL, "cancel")])
def test_rebook_and_cancel_requests_go_to_the_booking_team(claimed, call_handler, intention, kind):
    record(claimed, call_handler, result=CallResult.REACHED, intention=intention)
    request = BookingRequest.objects.get()
    assert (request.kind, request.source, request.appointment) == (kind, "call", claimed.appointment)


def test_corrected_contact_details_are_saved_with_an_audit_record(claimed, call_handler):
    record(
        claimed,
        call_handler,
        result=CallResult.REACHED,
        contact={"mobile": "07700 900555", "preferred_language": "ur", "interpreter_required": True},
    )
    patient = claimed.patient
    patient.refresh_from_db()
    assert (patient.mobile, patient.preferred_language, patient.interpreter_required) == ("+447700900555", "ur", True)
    event = AuditEvent.objects.for_target(patient).get()
    assert event.actor == call_handler
    assert event.changes["preferred_language"] == ["en", "ur"]


def test_unchanged_contact_details_leave_no_audit_record(claimed, call_handler):
    record(claimed, call_handler, result=CallResult.REACHED, contact={"preferred_language": "en"})
    assert not AuditEvent.objects.exists()


def test_an_attempt_on_a_call_claimed_by_someone_else_is_refused(claimed):
    other = make_user(CALL_HANDLER, username="other")
    with pytest.raises(StaleClaim):
        record(claimed, other, result=CallResult.REACHED)
    assert not CallAttempt.objects.exists()


def test_an_attempt_without_an_outcome_is_refused_and_nothing_is_saved(claimed, call_handler):
    with pytest.raises(InvalidAttempt):
        record(claimed, call_handler, result="", contact={"preferred_language": "pl"})
    claimed.refresh_from_db()
    claimed.patient.refresh_from_db()
    assert claimed.status == CallTaskStatus.CLAIMED
    assert claimed.patient.preferred_language == "en"
    assert not CallAttempt.objects.exists()


def test_an_attempt_on_a_cancelled_appointment_is_refused_and_nothing_is_saved(claimed, call_handler):
    claimed.appointment.attendance_code = AttendanceCode.HOSPITAL_CANCELLED
    claimed.appointment.save()
    with pytest.raises(AppointmentNoLongerUpcoming):
        record(claimed, call_handler, result=CallResult.REACHED, intention=Intention.CANCEL)
    assert not CallAttempt.objects.exists()
    assert not BookingRequest.objects.exists()


def test_a_bad_phone_number_is_refused_and_nothing_is_saved(claimed, call_handler):
    with pytest.raises(InvalidAttempt):
        record(
            claimed,
            call_handler,
            result=CallResult.REACHED,
            support=[SupportInput(SupportType.TRANSPORT_ROUTES)],
            contact={"mobile": "not a number"},
        )
    assert not CallAttempt.objects.exists()
    assert not SupportOffer.objects.exists()


def test_an_interpreter_offer_needs_a_language(claimed, call_handler):
    with pytest.raises(InvalidAttempt):
        record(claimed, call_handler, result=CallResult.REACHED, support=[SupportInput(SupportType.INTERPRETER)])


def test_support_cannot_be_recorded_when_the_patient_was_not_reached(claimed, call_handler):
    with pytest.raises(InvalidAttempt):
        record(
            claimed, call_handler, result=CallResult.NO_ANSWER, support=[SupportInput(SupportType.OTHER, detail="x")]
        )


def test_a_handler_can_release_their_own_claim(claimed, call_handler):
    call_release(task_id=claimed.pk, by=call_handler)
    claimed.refresh_from_db()
    assert (claimed.status, claimed.claimed_by) == (CallTaskStatus.QUEUED, None)


def test_a_team_lead_can_reassign_a_call_to_another_handler(claimed, team_lead):
    other = make_user(CALL_HANDLER, username="other")
    call_reassign(task_id=claimed.pk, to_handler=other, by=team_lead)
    claimed.refresh_from_db()
    assert claimed.claimed_by == other


def test_another_handler_cannot_release_a_claim(claimed):
    other = make_user(CALL_HANDLER, username="other")
    with pytest.raises(NotInTeam):
        call_release(task_id=claimed.pk, by=other)


def test_a_lead_of_another_team_cannot_reassign(claimed, call_handler):
    outsider = make_user(TEAM_LEAD, username="outsider", team=TeamFactory(name="Elsewhere"))
    with pytest.raises(NotInTeam):
        call_reassign(task_id=claimed.pk, to_handler=call_handler, by=outsider)


def test_support_moves_from_offered_to_arranged_but_not_back(claimed, call_handler):
    record(claimed, call_handler, result=CallResult.REACHED, support=[SupportInput(SupportType.PATIENT_TRANSPORT)])
    offer = SupportOffer.objects.get()
    support_offer_update(offer_id=offer.pk, status=SupportStatus.ARRANGED, by=call_handler)
    with pytest.raises(InvalidAttempt):
        support_offer_update(offer_id=offer.pk, status=SupportStatus.OFFERED, by=call_handler)
