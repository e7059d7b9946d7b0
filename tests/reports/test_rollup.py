import random
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reports.models import DnaDailyCount
from reports.rollup import rollup_rebuild
from reports.selectors import dna_gap, dna_rates
from tests.support.factories import ClinicFactory, SiteFactory, SpecialtyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(make_appointments):
    rng = random.Random(3)
    clinics = [
        ClinicFactory(site=SiteFactory(ods_code=f"RS{n}"), specialty=SpecialtyFactory(treatment_function_code=f"1{n}0"))
        for n in range(3)
    ]
    for _ in range(150):
        make_appointments(
            [rng.choice([3, 7, 5, 5, 5, 6, 2, 4, 0])],
            clinic=rng.choice(clinics),
            imd_decile=rng.choice([None, *range(1, 11)]),
            day=date(2024, 12, 30) + timedelta(days=rng.randint(0, 120)),
        )


MONTHLY, DAILY = "outreach_dnamonthlycount", "outreach_dnadailycount"
REPORTS = [
    ("imd_quintile", None, {}, MONTHLY),
    ("imd_decile", None, {"date_from": date(2025, 1, 15), "date_to": date(2025, 3, 1)}, DAILY),
    ("month", "imd_quintile", {"date_from": date(2025, 1, 1), "date_to": date(2025, 2, 28)}, MONTHLY),
    ("month", "imd_quintile", {"date_from": date(2025, 1, 2)}, DAILY),
    ("specialty", "imd_quintile", {"site": "RS1"}, MONTHLY),
    ("month", "site", {"specialty": "120"}, MONTHLY),
    ("clinic", None, {}, MONTHLY),
]


@pytest.mark.parametrize(("by", "by2", "filters", "table"), REPORTS)
def test_reports_from_the_rollup_equal_reports_from_the_appointments(history, by, by2, filters, table):
    live = [(r.groups, r.appointments, r.dnas) for r in dna_rates(by, by2, **filters)]
    rollup_rebuild()
    with CaptureQueriesContext(connection) as captured:
        rolled = [(r.groups, r.appointments, r.dnas) for r in dna_rates(by, by2, **filters)]
    assert any(table in q["sql"] for q in captured.captured_queries)
    assert rolled == live


def test_the_gap_from_the_rollup_equals_the_gap_from_the_appointments(history):
    live = [g.as_dict() for g in dna_gap(by="specialty", target_points=2)]
    rollup_rebuild()
    assert [g.as_dict() for g in dna_gap(by="specialty", target_points=2)] == live


def test_dimensions_the_rollup_lacks_still_read_the_appointments(history):
    rollup_rebuild()
    with CaptureQueriesContext(connection) as captured:
        dna_rates("age_band")
    assert not any("outreach_dna" in q["sql"] for q in captured.captured_queries)


def test_a_rebuild_replaces_the_rollup_rather_than_adding_to_it(history):
    first = rollup_rebuild()
    second = rollup_rebuild()
    assert DnaDailyCount.objects.count() == first.rows == second.rows


def test_refresh_report_rollup_command_rebuilds_and_reports(history, capsys):
    import json

    from django.core.management import call_command

    call_command("refresh_report_rollup", "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["rows"] == DnaDailyCount.objects.count() > 0


def test_the_nightly_rollup_task_is_on_the_beat_schedule():
    from config.beat import beat_schedule
    from config.celery import app

    entry = beat_schedule()["rebuild-report-rollup"]
    assert entry["options"]["expires"] > 0
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
