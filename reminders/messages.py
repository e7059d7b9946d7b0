"""The text of a reminder: the patient's language's template with the appointment filled in."""

from __future__ import annotations

import re
from datetime import datetime

from appointments.models import Appointment
from config.localtime import local_zone
from reminders.models import MessageTemplate

PLACEHOLDERS = ("first_name", "date", "time", "clinic", "site", "reply_options", "carer_name")
# {carer_name} when the extract gives no contact name.
UNNAMED_CARER = {"en": "parent or carer", "cy": "rhiant neu ofalwr"}
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


# Used when the database has no active template for the language or for English (a new
# installation whose admin has deleted them): the same texts the first migration adds.
BUILT_IN_TEMPLATES: dict[str, MessageTemplate] = {
    "en": MessageTemplate(
        language="en",
        name="English",
        body="Hello {first_name}, this is a reminder of your hospital appointment on {date} at {time} "
        "at {site}. {reply_options}",
        carer_body="Hello {carer_name}, this is a reminder of {first_name}'s hospital appointment on {date} at {time} "
        "at {site}. {reply_options}",
        reply_options="Reply 1 if you will attend, 2 if you would like a call or need help to get there, "
        "3 to cancel or rebook.",
    ),
    "cy": MessageTemplate(
        language="cy",
        name="Cymraeg",
        body="Helo {first_name}, dyma nodyn atgoffa am eich apwyntiad ysbyty ar {date} am {time} "
        "yn {site}. {reply_options}",
        carer_body="Helo {carer_name}, dyma nodyn atgoffa am apwyntiad ysbyty {first_name} ar {date} am {time} "
        "yn {site}. {reply_options}",
        reply_options="Atebwch 1 os byddwch yn dod, 2 os hoffech alwad neu help i gyrraedd, 3 i ganslo neu aildrefnu.",
    ),
}


def active_templates() -> dict[str, MessageTemplate]:
    """Every active template by language; load once per batch and pass to `reminder_text`."""
    return {t.language: t for t in MessageTemplate.objects.filter(is_active=True)}


def template_for(language: str, templates: dict[str, MessageTemplate] | None = None) -> MessageTemplate:
    """The active template in the patient's language, else English (the trust's, else built in)."""
    templates = active_templates() if templates is None else templates
    language = (language or "").lower()
    return (
        templates.get(language)
        or templates.get(DEFAULT_LANGUAGE)
        or BUILT_IN_TEMPLATES.get(language)
        or BUILT_IN_TEMPLATES[DEFAULT_LANGUAGE]
    )


def sample_values(template: MessageTemplate) -> dict[str, str]:
    """Values of a realistic length, for the admin's segment count."""
    moment = datetime(2026, 9, 30, 14, 45, tzinfo=local_zone())
    return {
        "first_name": "Alexandra",
        "carer_name": "Christopher",
        "date": format_date(moment, template.language),
        "time": format_time(moment, template.language),
        "clinic": "Ophthalmology Outpatients",
        "site": "St Mary's Hospital",
        "reply_options": template.reply_options,
    }


def reminder_text(appointment: Appointment, templates: dict[str, MessageTemplate] | None = None) -> tuple[str, str]:
    """(body, language) for a reminder about `appointment` (patient, clinic and site loaded). A
    child's goes to their parent or carer, in the template's carer text."""
    patient = appointment.patient
    template = template_for(patient.preferred_language, templates)
    body = template.body
    if appointment.is_child:
        built_in = BUILT_IN_TEMPLATES.get(template.language, BUILT_IN_TEMPLATES[DEFAULT_LANGUAGE])
        body = template.carer_body or built_in.carer_body
    values = {
        "carer_name": patient.contact_name or UNNAMED_CARER.get(template.language, UNNAMED_CARER[DEFAULT_LANGUAGE]),
        "first_name": patient.given_name or "",
        "date": format_date(appointment.starts_at, template.language),
        "time": format_time(appointment.starts_at, template.language),
        "clinic": appointment.clinic.name,
        "site": appointment.site.name,
        "reply_options": template.reply_options,
    }
    return render(body, values).strip(), template.language
