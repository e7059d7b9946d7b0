"""A child's missed appointment in a safeguarding specialty goes to the safeguarding contact's list."""

from __future__ import annotations

import csv
import html
import json
from datetime import date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import CALL_HANDLER, DIRECTOR, SAFEGUARDING_LEAD, TEAM_LEAD
from appointments.changes import AppointmentChanges, announce_appointments_changed, announce_extract_imported
from appointments.models import Appointment, AttendanceCode
from audit.models import AuditAction, AuditEvent
from config.localtime import local_zone
from safeguarding.models import SafeguardingEntry
from tests.appointments.importing.extracts import row, write_extract
from tests.support.factories import AppointmentFactory, ClinicFactory, PatientFactory, SpecialtyFactory, make_user

pytestmark = pytest.mark.django_db

CLINIC_DAY = datetime(2026, 11, 10, 9, 30, tzinfo=local_zone())
FIFTEEN = date(2011, 6, 1)  # 15 on the clinic day
SIXTEEN_THAT_DAY = date(2010, 11, 10)  # 16 on the clinic day itself
TREATMENT_FUNCTIONS = Path(apps.get_app_config("appointments").path) / "importing" / "data" / "treatment_functions.csv"


def _dna(*, born: date | None, code: str = "420", attendance=AttendanceCode.DID_NOT_ATTEND, **extra) -> Appointment:
    clinic = ClinicFactory(specialty=SpecialtyFactory(treatment_function_code=code, name=f"Service {code}"))
    return AppointmentFactory(
        patient=PatientFactory(date_of_birth=born), clinic=clinic, starts_at=CLINIC_DAY, attendance_code=attendance,
        **extra,
    )  # fmt: skip


def _sweep() -> dict:
    out = StringIO()
    call_command("list_safeguarding_dnas", "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def test_a_15_year_olds_dna_in_paediatrics_is_listed_once():
    appointment = _dna(born=FIFTEEN)

    assert _sweep()["listed"] == 1
    announce_appointments_changed(AppointmentChanges(happened_ids=[appointment.pk]))
    assert _sweep()["listed"] == 0

    entry = SafeguardingEntry.objects.get()
    assert (entry.appointment, entry.patient, entry.reviewed_at) == (appointment, appointment.patient, None)


def test_a_16_year_olds_dna_is_not_listed_even_on_their_birthday():
    _dna(born=SIXTEEN_THAT_DAY)

    assert _sweep()["listed"] == 0
    assert not SafeguardingEntry.objects.exists()


def test_a_childs_dna_in_a_specialty_not_listed_is_named_was_not_brought_but_not_listed():
    appointment = _dna(born=FIFTEEN, code="100")  # General Surgery

    assert _sweep()["listed"] == 0
    assert appointment.outcome_label == "Was not brought"


def test_a_child_who_attended_or_whose_age_is_unknown_is_not_listed():
    _dna(born=FIFTEEN, attendance=AttendanceCode.ATTENDED)
    _dna(born=None)  # no date of birth and no age in the extract

    assert _sweep()["listed"] == 0


def test_a_dna_on_or_after_a_childs_death_is_not_listed_and_one_before_it_says_so(client_for, safeguarding_lead):
    before = _dna(born=FIFTEEN)
    patient = before.patient
    patient.deceased, patient.date_of_death = True, date(2026, 11, 20)
    patient.save()
    AppointmentFactory(patient=patient, clinic=before.clinic, starts_at=CLINIC_DAY.replace(day=20),
                       attendance_code=AttendanceCode.DID_NOT_ATTEND)  # fmt: skip
    no_date = _dna(born=FIFTEEN).patient
    no_date.deceased = True
    no_date.save()

    _sweep()

    assert list(SafeguardingEntry.objects.values_list("appointment", flat=True)) == [before.pk]
    assert "Died 20 November 2026" in client_for(safeguarding_lead).get(reverse("safeguarding-list")).content.decode()


def test_an_analytic_extracts_stated_age_decides_when_there_is_no_date_of_birth():
    listed = _dna(born=None, age_at_appointment=15)
    _dna(born=None, age_at_appointment=16)

    _sweep()

    assert list(SafeguardingEntry.objects.values_list("appointment", flat=True)) == [listed.pk]


def test_the_child_age_is_a_setting(settings):
    settings.ATTEND_CHILD_AGE_UNDER = 18
    appointment = _dna(born=SIXTEEN_THAT_DAY)

    assert _sweep()["listed"] == 1
    assert appointment.outcome_label == "Was not brought"


def test_the_specialties_are_a_setting(settings):
    settings.ATTEND_SAFEGUARDING_SPECIALTIES = ["100"]
    _dna(born=FIFTEEN, code="420")
    surgery = _dna(born=FIFTEEN, code="100")

    _sweep()

    assert list(SafeguardingEntry.objects.values_list("appointment", flat=True)) == [surgery.pk]


def test_an_outcome_arriving_in_a_later_extract_lists_the_child_during_the_import(tmp_path):
    child = {"date_of_birth": FIFTEEN.isoformat(), "specialty_code": "420", "clinic_code": "RAT01-420",
             "appointment_start": "2026-11-10T09:30", "booked_at": "2026-10-01T10:00"}  # fmt: skip
    call_command("import_appointments", str(write_extract(tmp_path, [row(**child)])), "--no-progress")
    assert not SafeguardingEntry.objects.exists()

    dna = write_extract(tmp_path, [row(**child, attendance_code="3")], name="next-night.csv")
    call_command("import_appointments", str(dna), "--no-progress")

    assert SafeguardingEntry.objects.get().appointment.pas_id == "A0001"


def test_the_night_lists_a_dna_that_arrived_with_its_first_import(tmp_path):
    """An extract whose appointment is new to Attend but already has its outcome announces no
    change (nothing was planned for it): the nightly step still lists it."""
    child = row(date_of_birth=FIFTEEN.isoformat(), specialty_code="421", clinic_code="RAT01-421",
                appointment_start="2026-11-10T09:30", booked_at="2026-10-01T10:00", attendance_code="3")  # fmt: skip
    out = StringIO()
    call_command("run_nightly", "--extract", str(write_extract(tmp_path, [child])), "--json", stdout=out)

    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["safeguarding"] == {"listed": 1, "to_review": 1}
    assert SafeguardingEntry.objects.get().appointment.pas_id == "A0001"


def test_an_uploaded_extract_is_swept_once_it_has_committed():
    _dna(born=FIFTEEN)  # as an upload would leave it: new to Attend, outcome already recorded

    announce_extract_imported()

    assert SafeguardingEntry.objects.count() == 1


def test_the_sweep_is_on_the_beat_schedule_after_the_nightly_import():
    from config.beat import beat_schedule

    entry = beat_schedule()["list-safeguarding-dnas"]
    assert entry["task"] == "safeguarding.list_safeguarding_dnas"
    assert entry["options"]["expires"] > 0


def test_a_malformed_specialty_setting_stops_start_up_naming_it(settings):
    settings.ATTEND_SAFEGUARDING_SPECIALTIES = ["420", "paeds"]

    with pytest.raises(ImproperlyConfigured, match="ATTEND_SAFEGUARDING_SPECIALTIES: paeds"):
        apps.get_app_config("safeguarding").ready()


def test_the_default_specialties_are_the_national_lists_paediatric_and_child_services(settings):
    with TREATMENT_FUNCTIONS.open(encoding="utf-8") as handle:
        names = {line["code"]: line["name"] for line in csv.DictReader(handle)}
    defaults = settings.ATTEND_SAFEGUARDING_SPECIALTIES

    assert "420" in defaults and set(defaults) <= names.keys()
    assert {code for code, name in names.items() if "Paediatric" in name} <= set(defaults)
    child_words = ("Paediatric", "Neonatal", "Child")
    assert [code for code in defaults if not any(word in names[code] for word in child_words)] == []


# --- The page --------------------------------------------------------------------------------


@pytest.fixture
def safeguarding_lead(db):
    return make_user(SAFEGUARDING_LEAD, username="safeguarding")


def test_the_safeguarding_lead_sees_the_child_and_is_named_on_the_page(client_for, safeguarding_lead):
    safeguarding_lead.first_name, safeguarding_lead.last_name = "Sam", "Okafor"
    safeguarding_lead.save()
    appointment = _dna(born=FIFTEEN)
    _sweep()

    response = client_for(safeguarding_lead).get(reverse("safeguarding-list"))

    body = response.content.decode()
    assert response.status_code == 200
    assert appointment.patient.family_name in body and "Was not brought" in body
    assert "Named safeguarding contacts: Sam Okafor" in body
    assert AuditEvent.objects.for_target(appointment.patient).filter(action=AuditAction.VIEW).exists()


def test_mark_reviewed_records_who_when_and_the_note_and_is_audited(client_for, safeguarding_lead):
    _dna(born=FIFTEEN)
    _sweep()
    entry = SafeguardingEntry.objects.get()

    response = client_for(safeguarding_lead).post(
        reverse("safeguarding-entry-review", args=[entry.pk]), {"note": "Spoke to the health visitor."}
    )

    entry.refresh_from_db()
    assert response.status_code == 302
    assert entry.reviewed_by == safeguarding_lead and entry.reviewed_at is not None
    assert entry.note == "Spoke to the health visitor."
    event = AuditEvent.objects.for_target(entry).get()
    assert (event.action, event.actor) == (AuditAction.CHANGE, safeguarding_lead)
    assert not SafeguardingEntry.objects.to_review().exists()


def test_a_second_review_does_not_overwrite_the_first(client_for, safeguarding_lead):
    other = make_user(SAFEGUARDING_LEAD, username="safeguarding-2")
    _dna(born=FIFTEEN)
    _sweep()
    entry = SafeguardingEntry.objects.get()
    path = reverse("safeguarding-entry-review", args=[entry.pk])
    client_for(safeguarding_lead).post(path, {"note": "First"})

    client_for(other).post(path, {"note": "Second"})

    entry.refresh_from_db()
    assert (entry.reviewed_by, entry.note) == (safeguarding_lead, "First")
    assert AuditEvent.objects.for_target(entry).count() == 1


def test_a_note_that_is_too_long_saves_nothing_and_says_why(client_for, safeguarding_lead):
    _dna(born=FIFTEEN)
    _sweep()
    entry = SafeguardingEntry.objects.get()

    response = client_for(safeguarding_lead).post(
        reverse("safeguarding-entry-review", args=[entry.pk]), {"note": "x" * 2001}, follow=True
    )

    entry.refresh_from_db()
    assert entry.reviewed_at is None
    assert "longer than 2000 characters" in response.content.decode()


@pytest.mark.parametrize("role", [CALL_HANDLER, TEAM_LEAD, DIRECTOR], ids=lambda role: role.group)
def test_other_roles_are_refused_the_list_and_cannot_mark_reviewed(client_for, role):
    appointment = _dna(born=FIFTEEN)
    _sweep()
    entry = SafeguardingEntry.objects.get()
    client = client_for(make_user(role, username="someone"))

    page = client.get(reverse("safeguarding-list"))
    review = client.post(reverse("safeguarding-entry-review", args=[entry.pk]), {"note": "x"})

    assert (page.status_code, review.status_code) == (403, 403)
    assert appointment.patient.family_name not in page.content.decode()
    entry.refresh_from_db()
    assert entry.reviewed_at is None


def test_the_safeguarding_lead_has_the_list_in_their_header_and_starts_on_it(client_for, safeguarding_lead):
    response = client_for(safeguarding_lead).get(reverse("home"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("safeguarding-list")
    assert [link["label"] for link in response.context["navigation"]] == ["Safeguarding list"]


def test_an_entry_unreviewed_past_the_set_time_is_escalated_to_the_directors_dashboard(client_for, director, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.ATTEND_SAFEGUARDING_ESCALATE_AFTER_DAYS = 2
    _dna(born=date(2015, 1, 1))
    _dna(born=date(2014, 1, 1))
    _sweep()
    old, _fresh_one = SafeguardingEntry.objects.order_by("pk")
    SafeguardingEntry.objects.filter(pk=old.pk).update(listed_at=timezone.now() - timedelta(days=3))
    assert list(SafeguardingEntry.objects.overdue()) == [old]
    page = client_for(director).get(reverse("dashboard-start")).content.decode()
    callout = html.unescape(page[page.index('id="safeguarding-overdue"') :][:600])
    assert "1 child's missed appointment has waited more than 2 days" in callout
    assert old.patient.family_name not in callout  # a count, no patient details
