"""The days the call team works, and the appointments a day's list looks ahead to.

A list is built on a working day: a weekday in ATTEND_CALL_DAYS that is not a bank holiday or
a trust-wide closure (appointments/working_days.py). Its window counts working days, not
calendar days: `day`'s list calls about the appointments from its ATTEND_CALL_DAYS_AHEAD_MIN-th
working day ahead up to the day before its (ATTEND_CALL_DAYS_AHEAD_MAX + 1)-th. So the windows of
consecutive working days meet edge to edge — nothing falls between the list before a bank
holiday and the list after it — and an appointment on a day the team does not work (a Saturday
clinic) is still on one list. A site's own closure stops that site's reminders, not the lists.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from appointments.working_days import TrustCalendar, trust_calendar

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The furthest a window is looked for: a year of closures would be a mistake in the settings.
_SEARCH_DAYS = 366


def call_weekdays() -> frozenset[int]:
    """ATTEND_CALL_DAYS as weekday numbers (Monday 0); ImproperlyConfigured names a bad value."""
    days = [str(name).strip().lower()[:3] for name in settings.ATTEND_CALL_DAYS]
    unknown = [name for name in days if name not in WEEKDAYS]
    if unknown or not days:
        raise ImproperlyConfigured(
            f"Malformed setting ATTEND_CALL_DAYS: {settings.ATTEND_CALL_DAYS!r} is not a list of weekdays "
            "such as mon,tue,wed,thu,fri."
        )
    return frozenset(WEEKDAYS.index(name) for name in days)


def not_a_call_day(day: date, calendar: TrustCalendar) -> str:
    """Why no list is built on `day` ("" when it is a working day)."""
    if day.weekday() not in call_weekdays():
        return f"the call team does not work on {day:%A}s (ATTEND_CALL_DAYS)"
    return calendar.closed_reason(day)


def list_window(day: date) -> tuple[date, date]:
    """The first and last local days (inclusive) whose appointments `day`'s list calls about."""
    calendar = trust_calendar(day, day + timedelta(days=_SEARCH_DAYS))
    first = _working_day_after(day, settings.ATTEND_CALL_DAYS_AHEAD_MIN, calendar)
    after = _working_day_after(day, settings.ATTEND_CALL_DAYS_AHEAD_MAX + 1, calendar)
    return first, after - timedelta(days=1)


def _working_day_after(day: date, n: int, calendar: TrustCalendar) -> date:
    """The n-th working day after `day` (`day` itself for n = 0)."""
    found = day
    for _ in range(n):
        found += timedelta(days=1)
        while not_a_call_day(found, calendar):
            found += timedelta(days=1)
            if found > calendar.last:
                raise ImproperlyConfigured(f"No working day for the call team in the year after {day}.")
    return found
