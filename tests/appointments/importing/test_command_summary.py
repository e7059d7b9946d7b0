"""`import_appointments` tells you what happened without the admin: after the counts, the rules
that fired, the codes seen for the first time, and the top reasons rows were rejected and values
ignored (count, reason, first lines)."""

import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests.appointments.importing.extracts import row, write_extract
from tests.appointments.importing.test_layouts import CDS_FILE

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_appointments", *args, "--no-progress", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_prints_the_top_reasons_for_rejected_rows_and_warnings_after_the_counts(tmp_path):
    rows = [row(appointment_id=f"A{n}", specialty_code="999") for n in range(7)]
    rows += [row(appointment_id="B1", phone="12345"), row(appointment_id="B2", site_code="20")]
    lines = _run(str(write_extract(tmp_path, rows))).splitlines()
    assert lines[0].startswith("extract.csv: 9 rows read, 1 created") and "8 rejected" in lines[0]
    rejected = lines.index("Top reasons rows were rejected:")
    assert "7  specialty_code: not a treatment function code in the NHS Data Dictionary's list" in lines[rejected + 1]
    assert lines[rejected + 1].endswith("(lines 2, 3, 4, 5, 6 …)")
    assert "1  site_code: not an ODS site code" in lines[rejected + 2] and lines[rejected + 2].endswith("(line 10)")
    warnings = lines.index("Top warnings (rows kept):")
    assert "phone" in lines[warnings + 1] and lines[warnings + 1].endswith("(line 9)")
    assert "New sites (first seen in this file): RAT01" in lines


def test_the_command_imports_a_cds_outpatient_file_and_names_the_rules_it_applied(deprivation_tables):
    output = _run(str(CDS_FILE), "--layout", "cds-outpatient")
    assert "32 created" in output and "Rules applied (cds-outpatient layout):" in output
    assert "  SEX 9 → X (not specified: indeterminate): 2 rows" in output
    assert "  APPTAGE 7006.0 → 0 (under one year (HES age code 7001–7007)): 1 row" in output


def test_the_json_summary_carries_the_layout_rules_and_new_codes(deprivation_tables):
    summary = json.loads(_run(str(CDS_FILE), "--layout", "cds-outpatient", "--json").splitlines()[-1])
    assert summary["layout"] == "cds-outpatient" and summary["new_codes"]["sites"]["codes"] == [
        "RAT01",
        "RAT02",
        "RAT09",
    ]
    assert {"rule": "ATTENDED 7 → 7 (arrived late and could not be seen: a DNA)", "rows": 4} in summary["rules_applied"]


def test_a_wrong_layout_is_refused_by_the_command_with_the_layout_to_use(tmp_path):
    with pytest.raises(CommandError, match="--layout cds-outpatient"):
        _run(str(CDS_FILE))


def test_a_layout_and_a_mapping_together_are_refused(tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text("{}")
    with pytest.raises(CommandError, match="not both"):
        _run(str(CDS_FILE), "--layout", "cds-outpatient", "--mapping", str(mapping))
