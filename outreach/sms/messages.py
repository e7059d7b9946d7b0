"""The text of a reminder: the patient's language's template with the appointment filled in."""

from __future__ import annotations

import re
from datetime import datetime

from appointments.models import Appointment
from outreach.models import MessageTemplate
from outreach.sms.config import local_zone

PLACEHOLDERS = ("first_name", "date", "time", "clinic", "site", "reply_options")
_PLACEHOLDER = re.compile(r"\{(\w*)\}")
DEFAULT_LANGUAGE = "en"

_WELSH_DAYS = ("Dydd Llun", "Dydd Mawrth", "Dydd Mercher", "Dydd Iau", "Dydd Gwener", "Dydd Sadwrn", "Dydd Sul")
_WELSH_MONTHS = ("Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin",
                 "Gorffennaf", "Awst", "Medi", "Hydref", "Tachwedd", "Rhagfyr")  # fmt: skip


def unknown_placeholders(body: str) -> list[str]:
    return [name for name in _PLACEHOLDER.findall(body) if name not in PLACEHOLDERS]


def render(body: str, values: dict[str, str]) -> str:
    """Fill {placeholders}; anything else in braces is left as written (never evaluated)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)


def format_date(moment: datetime, language: str) -> str:
    local = moment.astimezone(local_zone())
    if language == "cy":
        return f"{_WELSH_DAYS[local.weekday()]} {local.day} {_WELSH_MONTHS[local.month - 1]}"
    if language == "en":
        return f"{local:%A} {local.day} {local:%B}"
    return f"{local:%d/%m/%Y}"


def format_time(moment: datetime, language: str) -> str:
    local = moment.astimezone(local_zone())
    hour = local.hour % 12 or 12
    if language == "en":
        return f"{hour}:{local:%M}{'am' if local.hour < 12 else 'pm'}"
    if language == "cy":
        return f"{hour}:{local:%M}{'yb' if local.hour < 12 else 'yh'}"
    return f"{local:%H:%M}"


def template_for(language: str) -> MessageTemplate:
    """The active template in the patient's language, else English."""
    templates = {t.language: t for t in MessageTemplate.objects.filter(is_active=True)}
    template = templates.get((language or "").lower()) or templates.get(DEFAULT_LANGUAGE)
    if template is None:
        raise MessageTemplate.DoesNotExist("No active English reminder template: an admin must add one.")
    return template


def sample_values(template: MessageTemplate) -> dict[str, str]:
    """Values of a realistic length, for the admin's segment count."""
    moment = datetime(2026, 9, 30, 14, 45, tzinfo=local_zone())
    return {
        "first_name": "Alexandra",
        "date": format_date(moment, template.language),
        "time": format_time(moment, template.language),
        "clinic": "Ophthalmology Outpatients",
        "site": "St Mary's Hospital",
        "reply_options": template.reply_options,
    }


def reminder_text(appointment: Appointment) -> tuple[str, str]:
    """(body, language) for a reminder about `appointment` (patient, clinic and site loaded)."""
    patient = appointment.patient
    template = template_for(patient.preferred_language)
    values = {
        "first_name": patient.given_name or "",
        "date": format_date(appointment.starts_at, template.language),
        "time": format_time(appointment.starts_at, template.language),
        "clinic": appointment.clinic.name,
        "site": appointment.site.name,
        "reply_options": template.reply_options,
    }
    return render(template.body, values).strip(), template.language
