"""The trust's local calendar (settings.TIME_ZONE) as instants: the one home of "a local day".

Appointments are stored as instants (UTC in the database) but people talk in local days:
"Tuesday's clinic", "reports from 1 to 31 March". A local day is not always 24 hours long.
In Europe/London the day the clocks go forward (the last Sunday of March) lasts 23 hours
and the day they go back (the last Sunday of October) 25, so a day's range ends at the
next local midnight, never at its start plus 24 hours. Every query for the appointments
on a day, or between two dates, takes its bounds from here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings


def local_zone() -> ZoneInfo:
    """The zone appointments, sending windows and call lists are read in."""
    return ZoneInfo(settings.TIME_ZONE)


def local_midnight(day: date) -> datetime:
    """The instant a local calendar day begins (aware, in the local zone)."""
    return datetime.combine(day, time.min, tzinfo=local_zone())


def local_day_bounds(day: date) -> tuple[datetime, datetime]:
    """`[start, end)` of a local calendar day: its midnight and the next day's midnight."""
    return local_midnight(day), local_midnight(day + timedelta(days=1))


def local_days_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """`[start, end)` from the start of local day `first` to the end of local day `last` (both included)."""
    return local_day_bounds(first)[0], local_day_bounds(last)[1]


def as_of_instant(day: date | None) -> datetime:
    """The instant a command run "as of" local day `day` stands at.

    Today (or no day): now, so the nightly run behaves as it always has. Any other day: the
    local midnight that begins it, i.e. what was known when that day's nightly run started.
    It lets a trust train and evaluate on last year's extract, and a demo be replayed,
    without faking the machine's clock.
    """
    from django.utils import timezone

    if day is None or day == timezone.localdate():
        return timezone.now()
    return local_midnight(day)


def parse_local_date(text: str) -> date:
    """A command's --as-of / --date argument: a local calendar date, YYYY-MM-DD (argparse's `type`)."""
    from argparse import ArgumentTypeError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None
