"""Reminder rules and the sending window, read from settings (see config/settings/base.py).

Both are parsed when first used; a malformed value raises ImproperlyConfigured naming
the setting. Production settings parse them at start (config/settings/production.py);
`validate_sms_settings` reads them all at once.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from appointments.working_days import TrustCalendar, calendar_around
from config.localtime import local_zone

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class ReminderRule:
    name: str
    days_before: int
    high_risk_only: bool = False


@dataclass(frozen=True)
class Window:
    opens: time
    closes: time


def parse_rules(raw: str) -> tuple[ReminderRule, ...]:
    rules = []
    for item in filter(None, (part.strip() for part in raw.split(","))):
        match = re.fullmatch(r"([\w-]{1,32})=(\d{1,2})(:high)?", item)
        if not match:
            raise ImproperlyConfigured(
                f"Malformed setting ATTEND_SMS_REMINDER_RULES: {item!r} is not name=days[:high], e.g. 2d=2."
            )
        rules.append(ReminderRule(match.group(1), int(match.group(2)), bool(match.group(3))))
    return tuple(rules)


def _parse_window(raw: str, setting: str) -> Window | None:
    if raw.strip().lower() in ("closed", "off", "none"):
        return None
    match = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", raw)
    if not match:
        raise ImproperlyConfigured(f"Malformed setting {setting}: {raw!r} is not HH:MM-HH:MM or closed.")
    try:
        opens, closes = time(int(match[1]), int(match[2])), time(int(match[3]), int(match[4]))
    except ValueError:
        raise ImproperlyConfigured(f"Malformed setting {setting}: {raw!r} is not a time of day.") from None
    if opens >= closes:
        raise ImproperlyConfigured(f"Malformed setting {setting}: {raw!r} closes before it opens.")
    return Window(opens, closes)


@lru_cache(maxsize=8)
def parse_windows(default: str, overrides: str) -> tuple[Window | None, ...]:
    windows = [_parse_window(default, "ATTEND_SMS_SENDING_WINDOW")] * 7
    for item in filter(None, (part.strip() for part in overrides.split(","))):
        day, _, value = item.partition("=")
        if day.strip().lower()[:3] not in WEEKDAYS:
            raise ImproperlyConfigured(f"Malformed setting ATTEND_SMS_SENDING_WINDOWS: {day!r} is not a weekday.")
        windows[WEEKDAYS.index(day.strip().lower()[:3])] = _parse_window(value, "ATTEND_SMS_SENDING_WINDOWS")
    return tuple(windows)


def reminder_rules() -> tuple[ReminderRule, ...]:
    return parse_rules(settings.ATTEND_SMS_REMINDER_RULES)


def window_on(day: date) -> Window | None:
    """The sending window on a local calendar day, or None if nothing is sent that day."""
    return parse_windows(settings.ATTEND_SMS_SENDING_WINDOW, settings.ATTEND_SMS_SENDING_WINDOWS)[day.weekday()]


def in_sending_window(now: datetime, *, calendar: TrustCalendar | None = None) -> bool:
    """Whether `now` (any aware datetime) falls in the local sending window of a day the trust
    is open (not a bank holiday or a trust-wide closure; a site's own closure is the sweep's to
    apply). Raises BankHolidaysUnavailable when the bank holidays cannot be read.

    The comparison is made on local wall-clock time after converting the instant, so
    on the days the clocks change the window still opens at 09:00 as people read it.
    """
    local = now.astimezone(local_zone())
    window = window_on(local.date())
    if window is None or not window.opens <= local.time().replace(tzinfo=None) < window.closes:
        return False
    return (calendar or calendar_around(local.date())).is_open(local.date())


def local_instant(day: date, at: time) -> datetime:
    """An aware datetime for a wall-clock time on a local day, DST-safe.

    zoneinfo resolves a time that does not exist (the skipped hour in March) forwards and
    an ambiguous one (the repeated hour in October) to its first occurrence; sending
    windows open long after either, but this keeps planning correct whatever is set.
    """
    return datetime.combine(day, at, tzinfo=local_zone())


def next_sending_start(now: datetime, *, days: int = 14) -> datetime | None:
    """When the sweep next sends: `now` inside a sending window, else the next window's
    opening on a day the trust is open (weekday windows, bank holidays and trust closures as
    `in_sending_window` reads them); None if none opens in the next `days` days.
    Raises BankHolidaysUnavailable when the bank holidays cannot be read."""
    today = now.astimezone(local_zone()).date()
    calendar = calendar_around(today, days_after=days)
    if in_sending_window(now, calendar=calendar):
        return now
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        window = window_on(day)
        if window is not None and calendar.is_open(day) and local_instant(day, window.opens) > now:
            return local_instant(day, window.opens)
    return None


# How far before a rule's day a reminder may go when that day and those before it are closed.
LONGEST_CLOSURE_DAYS = 14


def due_at_for(
    appointment_start: datetime,
    rule: ReminderRule,
    *,
    site_id: int | None = None,
    calendar: TrustCalendar | None = None,
) -> datetime | None:
    """When a rule's reminder is due: the window's opening (09:00 by default) on the local day
    `days_before` the appointment or, when nothing is sent that day (its weekday's window is
    closed, a bank holiday, a closure of the trust or of the appointment's site), on the
    nearest sending day before it — never after, which could be too late to act on. None when
    there is no sending day in the calendar given (planning gives today onwards; by default the
    fortnight before), so the reminder is not planned.
    """
    day = appointment_start.astimezone(local_zone()).date() - timedelta(days=rule.days_before)
    calendar = calendar or calendar_around(day, days_before=LONGEST_CLOSURE_DAYS)
    if day > calendar.last:
        raise ValueError(f"the reminder's day {day} is after the calendar loaded (to {calendar.last})")
    while day >= calendar.first:
        window = window_on(day)
        if window is not None and calendar.is_open(day, site_id=site_id):
            return local_instant(day, window.opens)
        day -= timedelta(days=1)
    return None


@lru_cache(maxsize=4)
def parse_notify_templates(raw: str) -> dict[str, str]:
    """ATTEND_NOTIFY_SMS_TEMPLATES: a JSON object of language code (ISO 639-1, or 639-3 for a
    language without one) to the id of the Notify template texts in it go through, with "en",
    used for every language without its own, e.g. {"en": "<uuid>", "cy": "<uuid>"}."""
    name = "ATTEND_NOTIFY_SMS_TEMPLATES"
    if not raw.strip():
        raise ImproperlyConfigured(f"Missing required setting {name} for ATTEND_SMS_BACKEND=notify.")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise ImproperlyConfigured(f'Malformed setting {name}: not JSON, e.g. {{"en": "<template id>"}}.') from None
    if not isinstance(value, dict):
        raise ImproperlyConfigured(f'Malformed setting {name}: expected a JSON object, e.g. {{"en": "<template id>"}}.')
    templates = {}
    for language, template_id in value.items():
        if not re.fullmatch(r"[a-z]{2,3}", language):
            raise ImproperlyConfigured(
                f"Malformed setting {name}: {language!r} is not a language code such as en or cy."
            )
        try:
            templates[language] = str(uuid.UUID(str(template_id)))
        except ValueError:
            raise ImproperlyConfigured(
                f"Malformed setting {name}: the {language!r} template id {template_id!r} is not a Notify template id "
                "(a UUID, from the template's page in Notify)."
            ) from None
    if "en" not in templates:
        raise ImproperlyConfigured(f'Malformed setting {name}: give an "en" template, used for any other language.')
    return templates


def notify_sms_template(language: str) -> str:
    """The Notify template a text in `language` goes through (English's if it has none of its own)."""
    templates = parse_notify_templates(settings.ATTEND_NOTIFY_SMS_TEMPLATES)
    return templates.get((language or "").lower()) or templates["en"]


def validate_sms_settings() -> None:
    reminder_rules()
    parse_windows(settings.ATTEND_SMS_SENDING_WINDOW, settings.ATTEND_SMS_SENDING_WINDOWS)
    local_zone()
    if settings.ATTEND_SMS_BACKEND == "notify":
        parse_notify_templates(settings.ATTEND_NOTIFY_SMS_TEMPLATES)
