"""Which local days the trust is open: its nation's bank holidays and the closure days an admin enters.

Reminders (their sending days and the "days before" rules) and call lists (the days they are
built and the window they look ahead over) ask the same question — is the trust open on this
local day, at this site? — and this module is the one place that answers it; both apps sit
above appointments, where sites and `ClosureDay` live.

Bank holidays come from the `holidays` package (pinned in requirements.txt) for the nation in
ATTEND_BANK_HOLIDAY_REGION, rather than from a copy of GOV.UK's bank-holidays.json shipped with
the code: the package computes any year (GOV.UK's file runs only about a year ahead, so the
reminders planned each December would fall off its end), knows the substitute days and the
one-off days announced so far, and needs no network from a trust's server; it is upgraded like
any other pin. A one-off day announced before the next upgrade is entered as a trust-wide
closure day. A trust that wants GOV.UK's list exactly as published sets ATTEND_BANK_HOLIDAY_FILE
to a copy of that file, which then replaces the package.

A copy that cannot be read, is not in GOV.UK's format, or has no bank holidays for a year asked
about raises `BankHolidaysUnavailable`. Planning and list building stop, and the sweep sends
nothing, until it is fixed: sending on a day the trust is closed is the harm to avoid, and a
reminder held back a few hours is the lesser one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from appointments.models import ClosureDay

# ATTEND_BANK_HOLIDAY_REGION (GOV.UK's division names) → the `holidays` package's UK subdivision.
# Wales has England's bank holidays.
REGION_SUBDIVISIONS = {"england-and-wales": "ENG", "scotland": "SCT", "northern-ireland": "NIR"}


class BankHolidaysUnavailable(RuntimeError):
    """The bank-holiday calendar cannot be read: nothing is planned, listed or sent until it is fixed."""


@lru_cache(maxsize=64)
def _package_year(region: str, year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays("GB", subdiv=REGION_SUBDIVISIONS[region], years=year))


@lru_cache(maxsize=4)
def _file_days(path: str, region: str, modified_ns: int) -> tuple[dict[date, str], frozenset[int]]:
    """GOV.UK's bank-holidays.json: {"england-and-wales": {"events": [{"title", "date"}, …]}, …}.
    Cached per modification time, so a refreshed copy is read on the next call."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BankHolidaysUnavailable(f"ATTEND_BANK_HOLIDAY_FILE {path} cannot be read: {exc}") from None
    try:
        days = {date.fromisoformat(event["date"]): str(event["title"]) for event in data[region]["events"]}
    except (KeyError, TypeError, ValueError) as exc:
        raise BankHolidaysUnavailable(
            f"ATTEND_BANK_HOLIDAY_FILE {path} is not GOV.UK's bank-holidays.json: no {region!r} events "
            f"with a date and title ({type(exc).__name__}: {exc})"
        ) from None
    return days, frozenset(day.year for day in days)


def _from_file(path: str, region: str, years: range) -> dict[date, str]:
    try:
        modified_ns = os.stat(path).st_mtime_ns
    except OSError as exc:
        raise BankHolidaysUnavailable(f"ATTEND_BANK_HOLIDAY_FILE {path} cannot be read: {exc}") from None
    days, covered = _file_days(path, region, modified_ns)
    missing = [year for year in years if year not in covered]
    if missing:
        raise BankHolidaysUnavailable(
            f"ATTEND_BANK_HOLIDAY_FILE {path} has no {region} bank holidays for {', '.join(map(str, missing))}: "
            "replace it with a newer copy of GOV.UK's bank-holidays.json"
        )
    return days


def bank_holidays(first: date, last: date) -> dict[date, str]:
    """The bank holidays from `first` to `last` inclusive, with their names (none for region "none")."""
    region = settings.ATTEND_BANK_HOLIDAY_REGION
    if region == "none":
        return {}
    years = range(first.year, last.year + 1)
    if settings.ATTEND_BANK_HOLIDAY_FILE:
        days = _from_file(settings.ATTEND_BANK_HOLIDAY_FILE, region, years)
    else:
        days = {day: name for year in years for day, name in _package_year(region, year).items()}
    return {day: name for day, name in days.items() if first <= day <= last}


@dataclass(frozen=True)
class TrustCalendar:
    """The days from `first` to `last` (inclusive) on which the trust, or one of its sites, is closed.

    Loaded once for a range (one query) so that planning thousands of reminders asks the
    database nothing more.
    """

    first: date
    last: date
    bank_holidays: Mapping[date, str]
    trust_closures: Mapping[date, str]
    site_closures: Mapping[tuple[int, date], str]

    def closed_reason(self, day: date, *, site_id: int | None = None) -> str:
        """Why the trust (or, with `site_id`, that site) is closed on `day`; "" when it is open."""
        if not self.first <= day <= self.last:
            raise ValueError(f"{day} is outside the calendar loaded for {self.first} to {self.last}")
        if day in self.bank_holidays:
            return f"bank holiday ({self.bank_holidays[day]})"
        if day in self.trust_closures:
            return f"trust closed ({self.trust_closures[day]})"
        if site_id is not None and (site_id, day) in self.site_closures:
            return f"site closed ({self.site_closures[site_id, day]})"
        return ""

    def is_open(self, day: date, *, site_id: int | None = None) -> bool:
        return not self.closed_reason(day, site_id=site_id)

    def sites_closed_on(self, day: date) -> set[int]:
        """The sites closed on `day` by a closure of their own (not those closed with the whole trust)."""
        return {site_id for site_id, closed in self.site_closures if closed == day}


def trust_calendar(first: date, last: date) -> TrustCalendar:
    """The trust's closures from `first` to `last` inclusive. Raises BankHolidaysUnavailable."""
    trust: dict[date, str] = {}
    sites: dict[tuple[int, date], str] = {}
    for site_id, day, reason in ClosureDay.objects.filter(day__range=(first, last)).values_list(
        "site_id", "day", "reason"
    ):
        if site_id is None:
            trust[day] = reason
        else:
            sites[site_id, day] = reason
    return TrustCalendar(first, last, bank_holidays(first, last), trust, sites)


def calendar_around(day: date, *, days_before: int = 0, days_after: int = 0) -> TrustCalendar:
    return trust_calendar(day - timedelta(days=days_before), day + timedelta(days=days_after))
