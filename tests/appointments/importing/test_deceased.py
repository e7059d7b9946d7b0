"""A patient the extract says has died receives nothing on any channel from that import on:
planned texts are skipped, open calls close, nothing new is planned or listed, search does not
offer them. A death that disappears from a later extract is a conflict for a team lead, never a
silent restart of contact."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.roles import CALL_HANDLER
from appointments.importing.models import ImportRowError
from appointments.importing.services import import_extract
from appointments.models import Appointment
from calls.building import build_worklists
from calls.models import CallTask, CallTaskStatus, TeamCapacity
from calls.search import patients_search
from patients.deaths import death_conflict_settle
from patients.models import DeathConflict, Patient
from reminders.models import Reminder, ReminderStatus
from reminders.planning import reminders_plan, skip_reason
from risk.models import RiskBand, RiskModel, RiskScore
from tests.appointments.importing.extracts import HEADER, row, write_extract
from tests.support.factories import TeamFactory, make_user

pytestmark = pytest.mark.django_db
WITH_DEATHS = [*HEADER, "date_of_death"]
START = (timezone.localdate() + timedelta(days=5)).isoformat() + "T09:30"
BOOKED = (timezone.localdate() - timedelta(days=20)).isoformat() + "T10:00"


def _import(tmp_path, date_of_death="", **changes):
    rows = [row(appointment_start=START, booked_at=BOOKED, date_of_death=date_of_death, **changes)]
    return import_extract(path=write_extract(tmp_path, rows, header=WITH_DEATHS))


@pytest.fixture
def planned(tmp_path):
    """A living patient's upcoming appointment with a planned text and a call on today's list."""
    _import(tmp_path)
    appointment = Appointment.objects.get()
    reminder = Reminder.objects.create(appointment=appointment, rule="2d", due_at=timezone.now() + timedelta(days=1))
    team = TeamFactory()
    call = CallTask.objects.create(
        team=team, patient=appointment.patient, appointment=appointment, list_date=timezone.localdate(), priority=0.9
    )
    call.appointments.set([appointment])
    return appointment, reminder, call


def test_the_import_that_says_a_patient_died_stops_their_texts_and_calls_with_the_reason(tmp_path, planned):
    _, reminder, call = planned
    batch = _import(tmp_path, date_of_death=(timezone.localdate() - timedelta(days=2)).isoformat())
    patient = Patient.objects.get()
    assert patient.deceased and patient.date_of_death == timezone.localdate() - timedelta(days=2)
    reminder.refresh_from_db()
    call.refresh_from_db()
    assert (reminder.status, reminder.skip_reason) == (ReminderStatus.SKIPPED, "patient deceased")
    assert (call.status, call.close_reason) == (CallTaskStatus.CANCELLED, "patient deceased")
    assert batch.replanning["reminders_skipped"] == 1 and batch.replanning["calls_cancelled"] == 1


def test_nothing_new_is_planned_sent_listed_or_found_for_a_patient_who_has_died(tmp_path, settings):
    _import(tmp_path, date_of_death="Y")  # died, date not known
    appointment = Appointment.objects.get()
    model = RiskModel.objects.create(version=1, algorithm="test", artifact=b"{}", artifact_sha256="0" * 64)
    RiskScore.objects.create(
        appointment=appointment, model=model, probability=0.9, band=RiskBand.HIGH, scored_at=timezone.now()
    )
    team = TeamFactory()
    TeamCapacity.objects.create(team=team, day=timezone.localdate(), handlers_on_shift=1)

    reminders_plan()
    assert not Reminder.objects.exists()
    build_worklists()
    assert not CallTask.objects.exists()
    assert not Appointment.objects.upcoming().exists()
    handler = make_user(CALL_HANDLER, username="h", team=team)
    assert patients_search(user=handler, query=appointment.patient.family_name) == []
    # A reminder planned before (by any route) is refused at the moment of sending.
    reminder = Reminder.objects.create(appointment=appointment, rule="2d", due_at=timezone.now())
    assert skip_reason(reminder, now=timezone.now()) == "patient deceased"


def test_a_death_that_disappears_from_the_extract_is_kept_and_becomes_one_conflict(tmp_path):
    _import(tmp_path, date_of_death="2026-01-05")
    for _ in range(2):
        _import(tmp_path, date_of_death="")
    patient = Patient.objects.get()
    assert patient.deceased and str(patient.date_of_death) == "2026-01-05"
    conflict = DeathConflict.objects.get()
    assert conflict.resolved_at is None and conflict.last_seen_at >= conflict.first_seen_at

    death_conflict_settle(conflict=conflict, alive=True, by=None)
    patient.refresh_from_db()
    assert not patient.deceased and patient.date_of_death is None
    _import(tmp_path, date_of_death="")
    assert DeathConflict.objects.count() == 1 and not Patient.objects.get().deceased


def test_a_lead_who_confirms_the_death_is_not_asked_again(tmp_path):
    _import(tmp_path, date_of_death="2026-01-05")
    _import(tmp_path, date_of_death="")
    death_conflict_settle(conflict=DeathConflict.objects.get(), alive=False, by=None)
    _import(tmp_path, date_of_death="")
    assert DeathConflict.objects.count() == 1 and Patient.objects.get().deceased


@pytest.mark.parametrize(
    ("value", "reason"),
    [("2099-01-01", "in the future"), ("1970-01-01", "before the date of birth"), ("last week", "not a date")],
)
def test_a_date_of_death_that_cannot_be_trusted_is_a_warning_and_nothing_is_sent(tmp_path, value, reason):
    batch = _import(tmp_path, date_of_death=value)
    assert (batch.rows_created, batch.rows_rejected) == (1, 0)
    patient = Patient.objects.get()
    assert patient.deceased and patient.date_of_death is None
    warning = ImportRowError.objects.get(batch=batch)
    assert (warning.column, warning.severity) == ("date_of_death", "warning")
    assert reason in warning.reason and "treated as deceased" in warning.reason


def test_a_file_without_the_column_leaves_a_death_alone(tmp_path):
    _import(tmp_path, date_of_death="2026-01-05")
    import_extract(path=write_extract(tmp_path, [row(appointment_start=START, booked_at=BOOKED)], name="plain.csv"))
    assert Patient.objects.get().deceased
    assert not DeathConflict.objects.exists()


@pytest.mark.parametrize(
    ("deceased", "expected"),
    [({"deceasedDateTime": "2026-02-03T10:00:00+00:00"}, (True, "2026-02-03")),
     ({"deceasedBoolean": True}, (True, None)), ({"deceasedBoolean": False}, (False, None))],
)  # fmt: skip
def test_fhir_patient_deceased_marks_the_patient(tmp_path, deceased, expected):
    from tests.appointments.importing.test_fhir import LOCATION, _appointment, _bundle, _patient

    import_extract(path=_bundle(tmp_path, _patient(**deceased), LOCATION, _appointment()))
    patient = Patient.objects.get()
    assert (patient.deceased, patient.date_of_death and str(patient.date_of_death)) == expected


def test_a_team_lead_answers_a_death_conflict_on_their_page_and_it_is_audited(tmp_path, client_for, team_lead):
    from django.urls import reverse

    from audit.models import AuditEvent

    _import(tmp_path, date_of_death="2026-01-05")
    _import(tmp_path, date_of_death="")
    conflict = DeathConflict.objects.get()
    client = client_for(team_lead)
    page = client.get(reverse("death-conflicts")).content.decode()
    assert 'id="death-conflicts"' in page and "H0001" in page
    response = client.post(reverse("death-conflict-settle", args=[conflict.pk]), {"answer": "alive"})
    assert response.status_code == 302
    assert not Patient.objects.get().deceased
    assert AuditEvent.objects.filter(summary__startswith="Death record checked").count() == 1
    client.post(reverse("death-conflict-settle", args=[conflict.pk]), {"answer": "deceased"})  # already answered
    assert not Patient.objects.get().deceased


def test_a_call_handler_cannot_answer_a_death_conflict(tmp_path, client_for, call_handler):
    from django.urls import reverse

    _import(tmp_path, date_of_death="2026-01-05")
    _import(tmp_path, date_of_death="")
    conflict = DeathConflict.objects.get()
    response = client_for(call_handler).post(reverse("death-conflict-settle", args=[conflict.pk]), {"answer": "alive"})
    assert response.status_code == 403 and Patient.objects.get().deceased
