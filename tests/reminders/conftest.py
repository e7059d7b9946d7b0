"""Fixtures for the SMS reminder tests: a fixed clock, due reminders, and a fast send rate."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from reminders.models import Reminder
from risk.models import RiskBand, RiskModel, RiskScore
from tests.support.factories import AppointmentFactory

LONDON = ZoneInfo("Europe/London")


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# A Wednesday in June, inside the sending window.
NOW = london(2026, 6, 10, 10, 0)


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    settings.ATTEND_SMS_RATE_PER_SECOND = 100_000
    settings.REDIS_URL = None  # unit tests limit in-process
    settings.ATTEND_SMS_BACKEND = "database"
    settings.ATTEND_PUBLIC_BASE_URL = "https://attend.example.nhs.uk"
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    settings.TWILIO_FROM_NUMBER = ""


def make_reminder(*, due_at: datetime = NOW, starts_at: datetime | None = None, rule: str = "2d", **appointment):
    starts_at = starts_at or london(2026, 6, 12, 14, 30)
    appt = AppointmentFactory(starts_at=starts_at, **appointment)
    return Reminder.objects.create(appointment=appt, rule=rule, due_at=due_at, appointment_starts_at=starts_at)


def make_high_risk(appointment) -> RiskScore:
    model, _ = RiskModel.objects.get_or_create(
        version=1, defaults={"algorithm": "test", "artifact": b"{}", "artifact_sha256": "0" * 64}
    )
    return RiskScore.objects.create(
        appointment=appointment, model=model, probability=0.6, band=RiskBand.HIGH, scored_at=NOW
    )
