"""Bank holidays by nation, from the pinned `holidays` package or a copy of GOV.UK's file, and
the closure days an admin enters (appointments/working_days.py)."""

import json
from datetime import date

import pytest

from appointments.models import ClosureDay
from appointments.working_days import BankHolidaysUnavailable, bank_holidays, trust_calendar
from tests.support.factories import SiteFactory

pytestmark = pytest.mark.django_db

CHRISTMAS_WEEK = (date(2026, 12, 21), date(2027, 1, 3))


def test_boxing_day_2026_falls_on_a_saturday_so_monday_28_december_is_the_bank_holiday_in_england(settings):
    settings.ATTEND_BANK_HOLIDAY_REGION = "england-and-wales"
    days = bank_holidays(*CHRISTMAS_WEEK)
    assert date(2026, 12, 25) in days
    assert date(2026, 12, 28) in days
    assert date(2026, 12, 29) not in days
    assert date(2027, 1, 1) in days


@pytest.mark.parametrize(
    ("region", "day", "observed"),
    [
        ("scotland", date(2026, 11, 30), True),  # St Andrew's Day
        ("england-and-wales", date(2026, 11, 30), False),
        ("scotland", date(2027, 1, 4), True),  # 2 January's substitute day
        ("northern-ireland", date(2026, 3, 17), True),  # St Patrick's Day
        ("northern-ireland", date(2026, 7, 13), True),  # the Battle of the Boyne, substitute day
        ("england-and-wales", date(2026, 7, 13), False),
        ("none", date(2026, 12, 25), False),
    ],
)
def test_each_nation_has_its_own_bank_holidays(settings, region, day, observed):
    settings.ATTEND_BANK_HOLIDAY_REGION = region
    assert (day in bank_holidays(day, day)) is observed


def _gov_uk_file(tmp_path, events):
    path = tmp_path / "bank-holidays.json"
    path.write_text(json.dumps({"england-and-wales": {"division": "england-and-wales", "events": events}}))
    return path


def test_a_copy_of_gov_uks_file_replaces_the_package(settings, tmp_path):
    settings.ATTEND_BANK_HOLIDAY_REGION = "england-and-wales"
    settings.ATTEND_BANK_HOLIDAY_FILE = str(
        _gov_uk_file(
            tmp_path, [{"title": "A one-off bank holiday", "date": "2026-12-29", "notes": "", "bunting": True}]
        )
    )
    assert bank_holidays(*CHRISTMAS_WEEK[:1], date(2026, 12, 31)) == {date(2026, 12, 29): "A one-off bank holiday"}


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot be read"),  # no such file
        ("{not json", "cannot be read"),
        ('{"scotland": {"events": []}}', "is not GOV.UK's bank-holidays.json"),
        ('{"england-and-wales": {"events": [{"title": "x", "date": "28/12/2026"}]}}', "is not GOV.UK's"),
        ('{"england-and-wales": {"events": [{"title": "Old", "date": "2025-12-25"}]}}', "no england-and-wales bank"),
    ],
)
def test_a_bank_holiday_file_that_cannot_be_used_is_a_clear_error(settings, tmp_path, content, says):
    path = tmp_path / "bank-holidays.json"
    if content is not None:
        path.write_text(content)
    settings.ATTEND_BANK_HOLIDAY_REGION = "england-and-wales"
    settings.ATTEND_BANK_HOLIDAY_FILE = str(path)
    with pytest.raises(BankHolidaysUnavailable, match=says) as error:
        bank_holidays(date(2026, 12, 1), date(2026, 12, 31))
    assert "ATTEND_BANK_HOLIDAY_FILE" in str(error.value)


def test_a_closure_day_closes_the_whole_trust_or_only_its_site(settings):
    settings.ATTEND_BANK_HOLIDAY_REGION = "england-and-wales"
    closed_site, other_site = SiteFactory(), SiteFactory()
    ClosureDay.objects.create(day=date(2026, 6, 17), reason="staff training day")
    ClosureDay.objects.create(day=date(2026, 6, 18), site=closed_site, reason="power works")
    calendar = trust_calendar(date(2026, 6, 15), date(2026, 6, 19))
    assert calendar.closed_reason(date(2026, 6, 17), site_id=other_site.pk) == "trust closed (staff training day)"
    assert calendar.closed_reason(date(2026, 6, 18), site_id=closed_site.pk) == "site closed (power works)"
    assert calendar.is_open(date(2026, 6, 18), site_id=other_site.pk)
    assert calendar.is_open(date(2026, 6, 18))  # the trust as a whole
    assert calendar.sites_closed_on(date(2026, 6, 18)) == {closed_site.pk}
