from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from tests.support.factories import AppointmentFactory, ClinicFactory, PatientFactory

LONDON = ZoneInfo("Europe/London")


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=LONDON)


@pytest.fixture
def make_appointments():
    """`make_appointments(codes, patient=…, clinic=…, day=…)`: one past appointment per attendance code."""

    def make(codes, *, patient=None, clinic=None, day=date(2025, 3, 10), **patient_fields):
        patient = patient or PatientFactory(**patient_fields)
        clinic = clinic or ClinicFactory()
        return [AppointmentFactory(patient=patient, clinic=clinic, starts_at=at(day), attendance_code=code)
                for code in codes]  # fmt: skip

    return make
