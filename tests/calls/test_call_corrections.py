"""A contact detail corrected on a call is recorded as a local correction, with who and when."""

import pytest
from django.utils import timezone

from calls.models import CallResult, CallTaskStatus
from calls.services import AttemptInput, call_attempt_record
from patients.corrections.models import LocalCorrection
from tests.support.call_factories import CallTaskFactory

pytestmark = pytest.mark.django_db


def test_contact_details_corrected_on_a_call_are_kept_as_local_corrections_with_source_and_date(call_handler):
    task = CallTaskFactory(status=CallTaskStatus.CLAIMED, claimed_by=call_handler, claimed_at=timezone.now())
    before = timezone.now()
    call_attempt_record(
        task_id=task.pk,
        handler=call_handler,
        data=AttemptInput(
            result=CallResult.REACHED,
            contact={"ethnic_category": "H", "interpreter_required": True, "preferred_language": "en"},
        ),
    )
    corrections = {c.field: c for c in LocalCorrection.objects.filter(patient=task.patient)}
    assert set(corrections) == {"ethnic_category", "interpreter_required"}  # English was already recorded
    assert (corrections["interpreter_required"].value, corrections["interpreter_required"].previous_value) == (
        "Y", "N",
    )  # fmt: skip
    correction = corrections["ethnic_category"]
    assert (correction.value, correction.source, correction.corrected_by) == ("H", "call", call_handler)
    assert correction.corrected_at >= before
