"""A child's DNA is named "was not brought": one rule for "a child", in two twins that agree."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from appointments.models import Appointment, AttendanceCode
from config.localtime import local_zone
from tests.support.factories import AppointmentFactory, PatientFactory

pytestmark = pytest.mark.django_db

LONDON = local_zone()

# (date of birth, stated age, local start of the appointment): around birthdays, leap days,
# the local midnight that is still the day before in UTC (summer time), and no age at all.
CASES = [
    (date(2011, 6, 1), None, datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)),  # 15
    (date(2010, 11, 10), None, datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)),  # 16 that day
    (date(2010, 11, 11), None, datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)),  # 16 tomorrow
    (
        date(2010, 6, 15),
        None,
        datetime(2026, 6, 15, 0, 30, tzinfo=LONDON),
    ),  # 16 at 00:30 BST (23:30 UTC the day before)
    (date(2010, 2, 28), None, datetime(2026, 2, 27, 12, 0, tzinfo=LONDON)),
    (date(2008, 2, 29), None, datetime(2024, 2, 28, 12, 0, tzinfo=LONDON)),  # leap-day birth, the day before
    (date(2008, 2, 29), None, datetime(2024, 2, 29, 12, 0, tzinfo=LONDON)),
    (None, 15, datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)),
    (None, 16, datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)),
    (None, None, datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)),
    (date(2000, 1, 1), 15, datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)),  # the extract's age comes first
]


def test_the_python_and_sql_rules_for_a_child_agree_on_the_same_appointments():
    appointments = [
        AppointmentFactory(patient=PatientFactory(date_of_birth=born), age_at_appointment=age, starts_at=starts)
        for born, age, starts in CASES
    ]
    in_sql = set(Appointment.objects.of_children().values_list("pk", flat=True))
    in_python = {a.pk for a in Appointment.objects.select_related("patient") if a.is_child}

    assert in_sql == in_python
    assert [a.pk in in_sql for a in appointments] == [True, False, True, False, True, True, False, True, False,
                                                     False, True]  # fmt: skip


def test_a_childs_dna_is_was_not_brought_and_an_adults_did_not_attend():
    day = datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)
    child = AppointmentFactory(
        patient=PatientFactory(date_of_birth=date(2015, 1, 1)),
        starts_at=day,
        attendance_code=AttendanceCode.DID_NOT_ATTEND,
    )
    adult = AppointmentFactory(starts_at=day, attendance_code=AttendanceCode.DID_NOT_ATTEND)
    late = AppointmentFactory(
        patient=child.patient, starts_at=day, attendance_code=AttendanceCode.ATTENDED_LATE_NOT_SEEN
    )

    assert child.outcome_label == "Was not brought"
    assert late.outcome_label.startswith("Was not brought in time")
    assert adult.outcome_label == AttendanceCode.DID_NOT_ATTEND.label
    assert set(Appointment.objects.not_brought()) == {child, late}


def test_naming_a_childs_dna_changes_no_count_a_dna_rate_is_built_on():
    day = datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)
    AppointmentFactory(
        patient=PatientFactory(date_of_birth=date(2015, 1, 1)),
        starts_at=day,
        attendance_code=AttendanceCode.DID_NOT_ATTEND,
    )
    AppointmentFactory(starts_at=day, attendance_code=AttendanceCode.DID_NOT_ATTEND)

    assert Appointment.objects.dna().count() == 2
    assert Appointment.objects.happened().count() == 2


def test_the_admins_appointment_list_shows_a_childs_dna_as_was_not_brought(client_for, admin_user):
    day = datetime(2026, 11, 10, 9, 30, tzinfo=LONDON)
    AppointmentFactory(
        patient=PatientFactory(date_of_birth=date(2015, 1, 1)),
        starts_at=day,
        attendance_code=AttendanceCode.DID_NOT_ATTEND,
    )

    body = client_for(admin_user).get("/admin/appointments/appointment/").content.decode()

    assert "Was not brought" in body
