"""A patient's preferred channel: "asked for post" gets a letter and no text; "phone" still gets
calls; it is recorded on the call card or by a team lead as a local correction that re-imports
keep; and the nightly plan records, per appointment, why each channel was not used."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from accounts.roles import CALL_HANDLER, TEAM_LEAD
from calls.building import build_worklists
from calls.models import CallTask, CallTaskStatus
from calls.transitions import call_transition
from letters.models import ChannelPlan, Letter
from letters.planning import letters_plan
from patients.corrections.models import LocalCorrection
from patients.models import Patient, PreferredChannel
from reminders.models import OutboxMessage, Reminder, ReminderStatus
from reminders.sending import reminders_sweep
from tests.support.call_factories import CallTaskFactory, scored_appointment
from tests.support.factories import AppointmentFactory, PatientFactory, TeamFactory, make_user

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 6, 10, 10, 0, tzinfo=LONDON)  # a Wednesday
STARTS = datetime(2026, 6, 22, 14, 30, tzinfo=LONDON)
MOBILE = "+447700900123"
ADDRESS = {"address_line_1": "12 Mill Lane", "address_line_2": "Leeds", "postcode": "LS1 4AP"}


@pytest.fixture(autouse=True)
def _letter_settings(settings):
    settings.ATTEND_LETTER_DAYS_BEFORE = 10
    settings.ATTEND_LETTER_BACKEND = "print"


def _appointment(**patient):
    return AppointmentFactory(starts_at=STARTS, patient=PatientFactory(**({"mobile": MOBILE} | ADDRESS | patient)))


def _due_text(appointment, *, now):
    return Reminder.objects.create(
        appointment=appointment, rule="2d", due_at=now - timedelta(minutes=1), appointment_starts_at=STARTS
    )


def test_a_patient_who_asked_for_post_gets_a_letter_and_no_text():
    appointment = _appointment(preferred_channel=PreferredChannel.LETTER)

    letters_plan(now=NOW)
    noon = datetime(2026, 6, 20, 12, 0, tzinfo=LONDON)
    reminder = _due_text(appointment, now=noon)
    reminders_sweep(now=noon)

    assert Letter.objects.get().why_letter == "patient asked for post"
    reminder.refresh_from_db()
    assert (reminder.status, reminder.skip_reason) == (ReminderStatus.SKIPPED, "patient asked for post")
    assert not OutboxMessage.objects.exists()


def test_a_patient_who_asked_for_post_but_has_no_address_is_still_texted():
    appointment = _appointment(preferred_channel=PreferredChannel.LETTER, address_line_1="", address_line_2="")

    letters_plan(now=NOW)
    noon = datetime(2026, 6, 20, 12, 0, tzinfo=LONDON)
    reminder = _due_text(appointment, now=noon)
    reminders_sweep(now=noon)

    assert not Letter.objects.exists()
    reminder.refresh_from_db()
    assert reminder.status == ReminderStatus.SENT
    assert ChannelPlan.objects.get(appointment=appointment).why_no_letter == "no postal address"


def test_a_patient_who_prefers_phone_is_still_called_and_texted():
    team = TeamFactory(name="Outreach", calls_per_handler=10)
    make_user(CALL_HANDLER, username="caller", team=team)
    appointment = scored_appointment(0.9, patient=PatientFactory(mobile=MOBILE, preferred_channel="phone"))

    assert build_worklists()["calls_created"] == 1
    assert CallTask.objects.open().filter(patient=appointment.patient).exists()
    letters_plan(now=appointment.starts_at - timedelta(days=12))
    assert ChannelPlan.objects.get(appointment=appointment).why_no_text == ""


def test_the_plan_records_per_appointment_why_each_channel_was_not_used():
    texted = _appointment()
    posted = _appointment(mobile="", hospital_number="P-POST")
    nowhere = _appointment(mobile="", address_line_1="", address_line_2="", hospital_number="P-NONE")

    letters_plan(now=NOW)

    plans = {plan.appointment_id: (plan.why_no_text, plan.why_no_letter) for plan in ChannelPlan.objects.all()}
    assert plans == {
        texted.pk: ("", "texted instead"),
        posted.pk: ("no mobile number", ""),
        nowhere.pk: ("no mobile number", "no postal address"),
    }
    Patient.objects.filter(pk=texted.patient_id).update(preferred_channel=PreferredChannel.LETTER)
    letters_plan(now=NOW)  # rewritten each night
    assert ChannelPlan.objects.get(appointment=texted).why_no_text == "patient asked for post"
    assert ChannelPlan.objects.count() == 3


def _claimed(team, handler):
    task = CallTaskFactory(team=team, appointment=scored_appointment(0.8, patient=PatientFactory(mobile=MOBILE)))
    call_transition(task, to=CallTaskStatus.CLAIMED, claimed_by=handler)
    return task


def test_a_handler_records_asked_for_post_on_the_card_as_a_local_correction(client):
    team = TeamFactory(name="Outreach")
    handler = make_user(CALL_HANDLER, username="caller", team=team)
    task = _claimed(team, handler)
    client.force_login(handler)
    assert (
        "How the patient would like to be reminded" in client.get(reverse("call-card", args=[task.pk])).content.decode()
    )
    form = {
        "result": "reached", "intention": "will_attend", "mobile": task.patient.mobile, "preferred_language": "en",
        "interpreter_required": "no", "preferred_channel": "letter",
    }  # fmt: skip

    assert client.post(reverse("call-card", args=[task.pk]), form).status_code == 302

    task.patient.refresh_from_db()
    assert task.patient.preferred_channel == PreferredChannel.LETTER
    correction = LocalCorrection.objects.get(patient=task.patient, field="preferred_channel")
    assert (correction.value, correction.previous_value, correction.source) == ("letter", "", "call")


def test_a_team_lead_records_the_preferred_channel_from_the_card_and_another_teams_lead_cannot(client):
    team = TeamFactory(name="Outreach")
    task = _claimed(team, make_user(CALL_HANDLER, username="caller", team=team))
    lead = make_user(TEAM_LEAD, username="teamlead", team=team)
    client.force_login(lead)
    card = client.get(reverse("call-card", args=[task.pk])).content.decode()
    assert reverse("team-preferred-channel", args=[task.pk]) in card

    client.post(reverse("team-preferred-channel", args=[task.pk]), {"preferred_channel": "phone"})

    task.patient.refresh_from_db()
    assert task.patient.preferred_channel == PreferredChannel.PHONE
    correction = LocalCorrection.objects.get(patient=task.patient, field="preferred_channel")
    assert (correction.source, correction.corrected_by) == ("team_lead", lead)
    client.force_login(make_user(TEAM_LEAD, username="otherlead", team=TeamFactory(name="Elsewhere")))
    response = client.post(reverse("team-preferred-channel", args=[task.pk]), {"preferred_channel": ""})
    assert response.status_code == 404
    task.patient.refresh_from_db()
    assert task.patient.preferred_channel == PreferredChannel.PHONE


def test_a_reimport_keeps_the_preferred_channel_recorded_in_attend(tmp_path):
    from appointments.importing.services import import_extract
    from tests.appointments.importing.extracts import HEADER, row, write_extract

    header = [*HEADER, "address_line_1"]
    lines = {"address_line_1": "12 Mill Lane", "appointment_start": STARTS.strftime("%Y-%m-%dT%H:%M")}
    import_extract(path=write_extract(tmp_path, [row(**lines)], header=header, name="first.csv"))
    Patient.objects.update(preferred_channel=PreferredChannel.LETTER)

    import_extract(path=write_extract(tmp_path, [row(**lines, phone="07700 900456")], header=header, name="later.csv"))

    assert Patient.objects.get().preferred_channel == PreferredChannel.LETTER


def test_the_admin_lists_why_each_channel_was_not_used(client_for, admin_user):
    _appointment(mobile="", address_line_1="", address_line_2="")
    letters_plan(now=NOW)

    page = client_for(admin_user).get(reverse("admin:letters_channelplan_changelist")).content.decode()

    assert "no mobile number" in page and "no postal address" in page
