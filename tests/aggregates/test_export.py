"""The aggregate file: its schema, its hash, its counts (the reports' own), and its refusals."""

from __future__ import annotations

import hashlib
import json
from datetime import date

import jsonschema
import pytest
from django.core.management import CommandError, call_command

from aggregates.files import SCHEMA_PATH
from aggregates.models import AggregateFile
from aggregates.services import ExportError, export_aggregates, last_whole_months
from aggregates.tables import TABLES
from aggregates.tasks import export_aggregates_nightly
from appointments.models import Appointment
from audit.models import AuditAction, AuditEvent
from pilots.models import Arm
from reports.selectors import dna_rates
from tests.aggregates.conftest import book
from tests.reports.factories import AllocationFactory, PilotFactory
from tests.support.factories import ClinicFactory, PatientFactory, SiteFactory, SpecialtyFactory

pytestmark = pytest.mark.django_db

JANUARY, FEBRUARY = date(2025, 1, 15), date(2025, 2, 12)


@pytest.fixture
def outcomes(trust):
    """Two months at two clinics (specialties 130 and 502, sites RXX01 and RXX02), five deciles,
    one small cell (decile 9 in February: 3 DNAs), and a pilot in decile 5."""
    eyes = ClinicFactory(code="EYES", site=SiteFactory(ods_code="RXX01"), specialty=SpecialtyFactory(
        treatment_function_code="130", name="Ophthalmology"))  # fmt: skip
    women = ClinicFactory(code="GYN", site=SiteFactory(ods_code="RXX02"), specialty=SpecialtyFactory(
        treatment_function_code="502", name="Gynaecology"))  # fmt: skip
    made = {}
    for decile in (1, 2, 5, 9, 10):
        patient = PatientFactory(imd_decile=decile, sex="F" if decile % 2 else "M", ethnic_category="H")
        made[decile] = []
        for day in (JANUARY, FEBRUARY):
            dnas = 2 if (decile, day) == (9, FEBRUARY) else 10 + decile
            made[decile] += book(patient, eyes, day, dnas=dnas, attended=40, cancelled=6)
            women_dnas = 1 if (decile, day) == (9, FEBRUARY) else 8
            made[decile] += book(patient, women, day, dnas=women_dnas, attended=30 + decile, cancelled=5)
    pilot = PilotFactory(name="Calls for the most deprived")
    for index, appointment in enumerate(a for a in made[5] if a.attendance_code != 2):
        AllocationFactory(pilot=pilot, appointment=appointment, arm=Arm.INTERVENTION if index % 2 else Arm.CONTROL)
    return made


def _export(**kwargs) -> dict:
    exported = export_aggregates(date_from=date(2025, 1, 1), date_to=date(2025, 2, 28), **kwargs)
    return json.loads(bytes(exported.content))


def _table(document: dict, *by: str) -> list[dict]:
    return next(table["rows"] for table in document["tables"] if table["by"] == list(by))


def test_the_file_meets_the_published_schema(outcomes):
    document = _export()
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(document)
    assert [table["by"] for table in document["tables"]] == [list(by) for by in TABLES]
    assert document["trust"] == {"ods_code": "RXX", "name": "Exampleshire Hospitals NHS Foundation Trust"}
    assert document["period"] == {"from": "2025-01-01", "to": "2025-02-28"}
    assert document["imd_vintage"] == "IMD2019"
    assert document["coverage"]["first_appointment"] == "2025-01-15"
    assert document["coverage"]["last_appointment"] == "2025-02-12"


def test_the_sha256_is_of_the_canonical_json_without_it_and_the_file_is_that_json(outcomes):
    exported = export_aggregates(date_from=date(2025, 1, 1), date_to=date(2025, 2, 28))
    content = bytes(exported.content)
    document = json.loads(content)
    without = {key: value for key, value in document.items() if key != "sha256"}
    canonical = json.dumps(without, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert document["sha256"] == hashlib.sha256(canonical).hexdigest() == exported.sha256
    assert content == json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def test_happened_and_dnas_are_the_dashboards_figures_and_cancellations_are_counted_apart(outcomes):
    rows = _table(_export(), "month", "imd_quintile")
    rates = dna_rates("month", "imd_quintile", date_from=date(2025, 1, 1), date_to=date(2025, 2, 28))
    dashboard = {(r.groups["month"].strftime("%Y-%m"), r.groups["imd_quintile"]): (r.appointments, r.dnas)
                 for r in rates}  # fmt: skip
    shown = [row for row in rows if not row["suppressed"]]
    assert len(shown) >= 4
    for row in shown:
        assert (row["happened"], row["dnas"]) == dashboard[row["month"], row["imd_quintile"]]
    january_q1 = next(row for row in rows if (row["month"], row["imd_quintile"]) == ("2025-01", 1))
    assert january_q1["cancelled"] == 2 * (6 + 5)  # deciles 1 and 2, both clinics


def test_specialty_and_site_are_keyed_by_national_codes(outcomes):
    document = _export()
    assert {row["specialty"] for row in _table(document, "month", "imd_quintile", "specialty")} == {"130", "502"}
    assert {row["site"] for row in _table(document, "month", "imd_quintile", "site")} == {"RXX01", "RXX02"}
    assert {row["ethnic_group"] for row in _table(document, "month", "imd_quintile", "ethnic_group")} == {"Asian"}


def test_a_small_cell_is_null_wherever_it_appears_and_is_counted_as_suppressed(outcomes):
    document = _export()
    deciles = _table(document, "month", "imd_decile")
    small = next(row for row in deciles if (row["month"], row["imd_decile"]) == ("2025-02", 9))
    assert small == {"month": "2025-02", "imd_decile": 9, "happened": None, "dnas": None, "cancelled": None,
                     "suppressed": True}  # fmt: skip
    # Its quintile (9 and 10) would give it back from decile 10: a complement is withheld too.
    february_deciles = [row for row in deciles if row["month"] == "2025-02"]
    assert sum(row["suppressed"] for row in february_deciles) >= 2
    everything = [row for table in document["tables"] for row in table["rows"]]
    assert document["disclosure"]["suppressed_cells"] == sum(row["suppressed"] for row in everything) > 0
    assert all(row["happened"] is None and row["dnas"] is None for row in everything if row["suppressed"])
    assert document["disclosure"]["threshold"] == 5


def test_the_pilot_table_counts_each_arm_by_quintile(outcomes):
    rows = _table(_export(), "month", "imd_quintile", "pilot", "arm")
    assert {(row["pilot"], row["arm"], row["imd_quintile"]) for row in rows} == {
        ("Calls for the most deprived", arm, 3) for arm in ("intervention", "control")
    }
    allocated = Appointment.objects.filter(allocation__isnull=False).count()
    assert sum(row["happened"] or 0 for row in rows) <= allocated


def test_the_export_is_audited_and_kept(outcomes):
    exported = export_aggregates(date_from=date(2025, 1, 1), date_to=date(2025, 2, 28), actor_label="tester")
    event = AuditEvent.objects.for_target(exported).get()
    assert event.action == AuditAction.EXPORT
    assert event.actor_label == "tester"
    assert f"{exported.suppressed_cells} cells suppressed" in event.summary


@pytest.mark.parametrize(
    ("date_from", "date_to", "message"),
    [(date(2025, 1, 2), date(2025, 1, 31), "first day of a month"),
     (date(2025, 1, 1), date(2025, 2, 27), "last day of a month"),
     (date(2025, 3, 1), date(2025, 2, 28), "before")],
)  # fmt: skip
def test_a_period_of_part_months_is_refused_and_nothing_is_kept(outcomes, date_from, date_to, message):
    with pytest.raises(ExportError, match=message):
        export_aggregates(date_from=date_from, date_to=date_to)
    assert not AggregateFile.objects.exists()


def test_without_the_trusts_ods_code_no_file_is_made_and_the_setting_is_named(outcomes, settings):
    settings.ATTEND_TRUST_ODS_CODE = ""
    with pytest.raises(ExportError, match="ATTEND_TRUST_ODS_CODE"):
        export_aggregates(date_from=date(2025, 1, 1), date_to=date(2025, 2, 28))
    assert export_aggregates_nightly() is None
    assert not AggregateFile.objects.exists()


def test_the_command_writes_the_file_and_prints_a_json_summary(outcomes, tmp_path, capsys):
    out = tmp_path / "aggregates.json"
    call_command("export_aggregates", "--from", "2025-01-01", "--to", "2025-02-28", "--out", str(out), "--json")
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    document = json.loads(out.read_bytes())
    assert summary["sha256"] == document["sha256"]
    assert summary["suppressed_cells"] == document["disclosure"]["suppressed_cells"]
    assert summary["out"] == str(out)


def test_the_command_refuses_part_months_with_the_reason(outcomes, tmp_path):
    with pytest.raises(CommandError, match="first day of a month"):
        call_command("export_aggregates", "--from", "2025-01-02", "--to", "2025-02-28", "--out", str(tmp_path / "x"))
    assert not (tmp_path / "x").exists()


def test_the_nightly_export_covers_the_last_whole_months_and_reuses_an_unchanged_file(outcomes, settings):
    settings.ATTEND_AGGREGATES_MONTHS = 2
    assert last_whole_months(12, date(2026, 1, 9)) == (date(2025, 1, 1), date(2025, 12, 31))
    first = export_aggregates_nightly(today="2025-03-04")
    again = export_aggregates_nightly(today="2025-03-05")
    assert first == again
    exported = AggregateFile.objects.get()
    assert (exported.period_from, exported.period_to) == (date(2025, 1, 1), date(2025, 2, 28))
    # A late outcome changes the figures: the next night makes a new file.
    late = Appointment.objects.attended().first()
    Appointment.objects.filter(pk=late.pk).update(attendance_code=3)
    assert export_aggregates_nightly(today="2025-03-06") != first
