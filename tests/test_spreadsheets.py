"""Every CSV Attend writes goes through the one safe-cell rule (config/spreadsheets.py)."""

import io
import re
from pathlib import Path

import pytest

from config.spreadsheets import safe_cell, safe_writer

ROOT = Path(__file__).resolve().parents[1]
APP_CODE = [
    path
    for path in ROOT.rglob("*.py")
    if not {".venv", "tests", "bench", "node_modules"} & set(path.relative_to(ROOT).parts)
]


def test_no_module_but_config_spreadsheets_makes_a_csv_writer_of_its_own():
    makes_writer = re.compile(r"\bcsv\s*\.\s*(writer|DictWriter)\b|from\s+csv\s+import\b[^\n]*\b(writer|DictWriter)\b")
    offenders = [
        str(path.relative_to(ROOT))
        for path in APP_CODE
        if path != ROOT / "config" / "spreadsheets.py" and makes_writer.search(path.read_text(encoding="utf-8"))
    ]
    assert APP_CODE and offenders == [], f"write CSV with config.spreadsheets.safe_writer instead: {offenders}"


@pytest.mark.parametrize("text", ["=1+1", "+447700900123", "-2+3", "@SUM(A1)", "\tx", "\rx", "\uff1d1+1", "-"])
def test_text_a_spreadsheet_would_run_is_written_with_a_leading_quote(text):
    out = io.StringIO()
    safe_writer(out, lineterminator="\n").writerow([text])
    assert safe_cell(text) == "'" + text
    assert out.getvalue().strip('"\n').startswith("'")


@pytest.mark.parametrize(
    ("value", "written"), [(-3, "-3"), (-0.042, "-0.042"), ("-0.042", "-0.042"), ("-1e-05", "-1e-05")]
)
def test_a_negative_number_stays_a_number(value, written):
    assert safe_cell(value) == written


def test_none_is_a_blank_cell_and_plain_text_is_untouched():
    out = io.StringIO()
    safe_writer(out, lineterminator="\n").writerow([None, "A0001", 5, "Ward 3 - ENT"])
    assert out.getvalue() == ",A0001,5,Ward 3 - ENT\n"
