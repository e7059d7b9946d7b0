"""A child's reasons say they were not brought, never that they missed appointments."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from django.utils import timezone

from appointments.models import AttendanceCode
from risk.explanations import reasons
from risk.features import BY_NAME
from risk.scoring import _children
from risk.table import table_from_queryset
from tests.support.factories import AppointmentFactory, PatientFactory

FEATURES = list(BY_NAME)


def _columns(**values) -> dict[str, np.ndarray]:
    base = dict.fromkeys(FEATURES, 0.0) | {"sex": "F", "specialty": "420", "medium": "face_to_face",
                                                "imd_decile": 5.0, "has_mobile": 1.0, "age_band": 0.0}  # fmt: skip
    base |= values
    return {name: np.array([value, value], dtype=object if isinstance(value, str) else np.float64)
            for name, value in base.items()}  # fmt: skip


def test_the_same_history_reads_was_not_brought_for_a_child_and_missed_for_an_adult():
    columns = _columns(prior_dnas=2.0, prior_attendances=2.0, dnas_in_last_4=2.0)
    contributions = np.zeros((2, len(FEATURES) + 1))
    contributions[:, FEATURES.index("dnas_in_last_4")] = 0.5

    child, adult = reasons(columns, contributions, FEATURES, children=np.array([True, False]))

    assert child == ["Was not brought to 2 of the last 4 appointments"]
    assert adult == ["Missed 2 of the last 4 appointments"]


@pytest.mark.django_db
def test_scoring_marks_the_rows_of_children_on_the_appointments_day():
    soon = timezone.now() + timedelta(days=5)
    on_the_day = timezone.localtime(soon).date()
    fifteen = on_the_day.replace(year=on_the_day.year - 15)
    sixteen_today = on_the_day.replace(year=on_the_day.year - 16)
    child = AppointmentFactory(patient=PatientFactory(date_of_birth=fifteen), starts_at=soon)
    AppointmentFactory(patient=PatientFactory(date_of_birth=sixteen_today), starts_at=soon)
    AppointmentFactory(patient=PatientFactory(date_of_birth=date(1980, 1, 1)), starts_at=soon,
                       attendance_code=AttendanceCode.NOT_YET_KNOWN)  # fmt: skip
    from appointments.models import Appointment

    table = table_from_queryset(Appointment.objects.all())
    rows = np.arange(len(table))

    marked = {int(i) for i, is_child in zip(table.appointment_id, _children(table, rows), strict=True) if is_child}
    assert marked == {child.pk}


@pytest.mark.django_db
def test_scorings_child_rule_agrees_with_the_appointments_twins_around_birthdays_and_leap_days(settings):
    from appointments.models import Appointment
    from config.localtime import local_zone
    from tests.appointments.test_was_not_brought import CASES

    for born, age, starts in CASES:
        AppointmentFactory(patient=PatientFactory(date_of_birth=born), age_at_appointment=age, starts_at=starts)
    # Born on 1 March of a leap year, seen on 1 March of a common year: 18 that day, though the day
    # of the year (60, then 59) would say the birthday is still to come.
    settings.ATTEND_CHILD_AGE_UNDER = 18
    eighteen = AppointmentFactory(
        patient=PatientFactory(date_of_birth=date(2008, 3, 1)),
        starts_at=timezone.datetime(2026, 3, 1, 12, 0, tzinfo=local_zone()),
    )
    table = table_from_queryset(Appointment.objects.all())

    in_numpy = {int(i) for i, c in zip(table.appointment_id, _children(table, np.arange(len(table))), strict=True) if c}
    assert in_numpy == set(Appointment.objects.of_children().values_list("pk", flat=True))
    assert eighteen.pk not in in_numpy
