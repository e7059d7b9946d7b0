"""A FHIR Appointment with status entered-in-error never existed (R4: "This instance should not
have been part of this patient's medical record"). An earlier import of it is withdrawn: its
reminders and calls stop and it leaves every report; one Attend never had is not imported."""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.importing.models import ImportRowError
from appointments.importing.services import import_extract
from appointments.models import Appointment, AttendanceCode
from calls.models import CallTask, CallTaskStatus
from reminders.models import Reminder, ReminderStatus
from tests.appointments.importing.test_fhir import LOCATION, _appointment, _bundle, _patient
from tests.support.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_an_entered_in_error_appointment_never_imported_is_not_imported_and_is_said_so(tmp_path):
    batch = import_extract(
        path=_bundle(tmp_path, _patient(), LOCATION, _appointment(), _appointment("A2", status="entered-in-error"))
    )
    assert (batch.rows_created, batch.rows_rejected, batch.rows_withdrawn) == (1, 0, 1)
    assert list(Appointment.objects.values_list("pas_id", flat=True)) == ["A1"]
    warning = ImportRowError.objects.get(batch=batch)
    assert (warning.line, warning.severity, warning.value) == (4, "warning", "entered-in-error")
    assert "never existed" in warning.reason


def test_an_upcoming_appointment_later_entered_in_error_is_withdrawn_and_its_reminders_and_calls_stop(tmp_path):
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment()))
    appointment = Appointment.objects.get()
    reminder = Reminder.objects.create(appointment=appointment, rule="2d", due_at=timezone.now() + timedelta(days=1))
    call = CallTask.objects.create(
        team=TeamFactory(), patient=appointment.patient, appointment=appointment,
        list_date=timezone.localdate(), priority=0.5,
    )  # fmt: skip
    call.appointments.set([appointment])

    batch = import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(status="entered-in-error")))

    appointment.refresh_from_db()
    reminder.refresh_from_db()
    call.refresh_from_db()
    assert appointment.attendance_code == AttendanceCode.ENTERED_IN_ERROR
    assert (reminder.status, call.status) == (ReminderStatus.SKIPPED, CallTaskStatus.CANCELLED)
    assert batch.rows_withdrawn == 1 and batch.replanning["calls_cancelled"] == 1
    assert not Appointment.objects.upcoming().exists()


def test_an_attended_appointment_entered_in_error_leaves_the_dna_figures(tmp_path):
    import_extract(
        path=_bundle(
            tmp_path, _patient(), LOCATION, _appointment(status="noshow"), _appointment("A2", status="fulfilled")
        )
    )
    assert Appointment.objects.happened().count() == 2
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(status="entered-in-error")))
    assert list(Appointment.objects.happened().values_list("pas_id", flat=True)) == ["A2"]
    assert not Appointment.objects.dna().exists() and not Appointment.objects.cancelled().exists()


def test_a_withdrawn_appointment_booked_again_under_its_id_comes_back(tmp_path):
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment()))
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment(status="entered-in-error")))
    import_extract(path=_bundle(tmp_path, _patient(), LOCATION, _appointment()))
    assert Appointment.objects.upcoming().count() == 1
