"""Reports by age band name a child's DNAs "was not brought"; the counts stay DNAs."""

from __future__ import annotations

import json
from datetime import date, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from appointments.models import AttendanceCode
from config.localtime import local_zone
from reports.tables import dnas_named
from tests.support.factories import AppointmentFactory, PatientFactory

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 11, 10, 9, 30, tzinfo=local_zone())


def _seen(born: date, code: AttendanceCode) -> None:
    AppointmentFactory(patient=PatientFactory(date_of_birth=born), starts_at=DAY, attendance_code=code)


def test_each_band_says_what_its_dnas_are_called():
    assert dnas_named("0-17") == "was not brought (under 16), did not attend (16 and over)"
    assert dnas_named("18-29") == "did not attend"
    assert dnas_named("Not known") == "did not attend"


def test_a_band_wholly_of_children_is_was_not_brought(settings):
    settings.ATTEND_CHILD_AGE_UNDER = 18

    assert dnas_named("0-17") == "was not brought"


def test_the_api_names_the_bands_dnas_and_counts_them_as_before(client_for, admin_user):
    _seen(date(2015, 1, 1), AttendanceCode.DID_NOT_ATTEND)  # 11: was not brought
    _seen(date(2009, 1, 1), AttendanceCode.DID_NOT_ATTEND)  # 17: did not attend
    _seen(date(2015, 1, 1), AttendanceCode.ATTENDED)

    body = client_for(admin_user).get(reverse("api-report-dna-rates"), {"by": "age_band"}).json()

    (band,) = [row for row in body["rows"] if row["groups"]["age_band"] == "0-17"]
    assert (band["appointments"], band["dnas"]) == (3, 2)
    assert band["dnas_named"] == "was not brought (under 16), did not attend (16 and over)"


def test_other_groupings_carry_no_name(client_for, admin_user):
    _seen(date(2015, 1, 1), AttendanceCode.DID_NOT_ATTEND)

    body = client_for(admin_user).get(reverse("api-report-dna-rates"), {"by": "imd_quintile"}).json()

    assert all("dnas_named" not in row for row in body["rows"])


def test_the_command_names_the_bands_dnas_in_json_and_csv():
    _seen(date(2015, 1, 1), AttendanceCode.DID_NOT_ATTEND)
    out, csv_out = StringIO(), StringIO()

    call_command("dna_report", "--by", "age_band", stdout=out)
    call_command("dna_report", "--by", "age_band", "--format", "csv", stdout=csv_out)

    (row,) = json.loads(out.getvalue())["rows"]
    assert row["dnas_named"].startswith("was not brought")
    header, line = csv_out.getvalue().splitlines()[:2]
    assert header.endswith(",dnas_named") and "was not brought (under 16)" in line
