"""Production refuses to start with the Twilio backend half-configured, naming what is missing."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from reminders.config import validate_sms_settings
from tests.test_settings import GOOD, _manage

TWILIO = {
    "ATTEND_SMS_BACKEND": "twilio",
    "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
    "TWILIO_AUTH_TOKEN": "token",
    "TWILIO_MESSAGING_SERVICE_SID": "MG" + "1" * 32,
    "ATTEND_PUBLIC_BASE_URL": "https://attend.example.nhs.uk",
}


@pytest.mark.parametrize("missing", ["TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "ATTEND_PUBLIC_BASE_URL"])
def test_production_with_twilio_names_a_missing_setting(missing):
    result = _manage(["check"], {**GOOD, **{k: v for k, v in TWILIO.items() if k != missing}})
    assert result.returncode != 0 and f"Missing required setting {missing}" in result.stderr


def test_production_with_twilio_starts_when_configured():
    assert _manage(["check"], {**GOOD, **TWILIO}).returncode == 0


@pytest.mark.parametrize(
    ("name", "value"),
    [("ATTEND_SMS_REMINDER_RULES", "seven days"), ("ATTEND_SMS_SENDING_WINDOW", "9-5"),
     ("ATTEND_SMS_SENDING_WINDOWS", "caturday=10:00-12:00"), ("ATTEND_SMS_SENDING_WINDOW", "20:00-09:00")],
)  # fmt: skip
def test_malformed_rules_and_windows_name_the_setting(settings, name, value):
    setattr(settings, name, value)
    with pytest.raises(ImproperlyConfigured, match=name):
        validate_sms_settings()


def test_production_refuses_malformed_reminder_rules_naming_the_setting():
    result = _manage(["check"], {**GOOD, "ATTEND_SMS_REMINDER_RULES": "seven days"})
    assert result.returncode != 0 and "ATTEND_SMS_REMINDER_RULES" in result.stderr
