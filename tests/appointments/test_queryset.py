from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from appointments.models import Appointment, AttendanceCode
from tests.support.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


def _past(code: int) -> Appointment:
    return AppointmentFactory(starts_at=timezone.now() - timedelta(days=3), attendance_code=code)


def test_dna_rate_definitions_follow_the_nhs_codes():
    attended = [_past(AttendanceCode.ATTENDED), _past(AttendanceCode.ATTENDED_LATE_SEEN)]
    dnas = [_past(AttendanceCode.DID_NOT_ATTEND), _past(AttendanceCode.ATTENDED_LATE_NOT_SEEN)]
    cancelled = [_past(AttendanceCode.PATIENT_CANCELLED), _past(AttendanceCode.HOSPITAL_CANCELLED)]
    assert set(Appointment.objects.attended()) == set(attended)
    assert set(Appointment.objects.dna()) == set(dnas)
    assert set(Appointment.objects.cancelled()) == set(cancelled)
    # Cancellations are excluded from both sides of a DNA rate.
    assert set(Appointment.objects.happened()) == set(attended + dnas)


def test_upcoming_means_booked_not_cancelled_and_not_yet_started():
    soon = AppointmentFactory(starts_at=timezone.now() + timedelta(days=2))
    AppointmentFactory(starts_at=timezone.now() + timedelta(days=2), attendance_code=AttendanceCode.HOSPITAL_CANCELLED)
    AppointmentFactory(starts_at=timezone.now() - timedelta(hours=1))
    assert list(Appointment.objects.upcoming()) == [soon]


def test_on_day_uses_the_local_calendar_day():
    day = timezone.localdate() + timedelta(days=10)
    local_midnight = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    inside = AppointmentFactory(starts_at=local_midnight + timedelta(minutes=1))
    AppointmentFactory(starts_at=local_midnight - timedelta(minutes=1))
    assert list(Appointment.objects.on_day(day)) == [inside]


def test_between_includes_both_end_days():
    today = timezone.localdate()
    first = AppointmentFactory(starts_at=timezone.now() + timedelta(days=1))
    AppointmentFactory(starts_at=timezone.now() + timedelta(days=9))
    found = Appointment.objects.between(today + timedelta(days=1), today + timedelta(days=2))
    assert list(found) == [first]


@pytest.mark.parametrize("day", [date(2026, 3, 29), date(2026, 10, 25)], ids=["clocks-forward", "clocks-back"])
def test_an_appointment_at_half_past_eleven_at_night_is_on_its_local_day_when_the_clocks_change(day):
    zone = ZoneInfo("Europe/London")
    late = AppointmentFactory(starts_at=datetime.combine(day, time(23, 30), tzinfo=zone))
    AppointmentFactory(starts_at=datetime.combine(day - timedelta(days=1), time(23, 30), tzinfo=zone))
    AppointmentFactory(starts_at=datetime.combine(day + timedelta(days=1), time(0, 30), tzinfo=zone))
    assert list(Appointment.objects.on_day(day)) == [late]
    assert list(Appointment.objects.between(day, day)) == [late]
