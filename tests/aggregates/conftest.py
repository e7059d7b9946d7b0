import uuid
from datetime import date

import pytest

from appointments.models import Appointment, AppointmentType
from tests.reports.conftest import at

DNA, ATTENDED, PATIENT_CANCELLED = 3, 5, 2
TRUST = {"ATTEND_TRUST_ODS_CODE": "RXX", "ATTEND_TRUST_NAME": "Exampleshire Hospitals NHS Foundation Trust"}


@pytest.fixture
def trust(settings):
    """The trust's ODS code and name, as a trust that exports sets them."""
    for name, value in TRUST.items():
        setattr(settings, name, value)
    return TRUST


def book(patient, clinic, day: date, *, dnas: int = 0, attended: int = 0, cancelled: int = 0, hour: int = 10):
    """Past appointments of one patient at one clinic on one day, in one insert."""
    codes = [DNA] * dnas + [ATTENDED] * attended + [PATIENT_CANCELLED] * cancelled
    return Appointment.objects.bulk_create(
        Appointment(pas_id=uuid.uuid4().hex, patient=patient, clinic=clinic, site=clinic.site,
                    specialty=clinic.specialty, starts_at=at(day, hour), appointment_type=AppointmentType.FIRST,
                    attendance_code=code)
        for code in codes
    )  # fmt: skip
