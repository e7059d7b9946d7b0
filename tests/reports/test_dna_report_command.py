import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def run(capsys, *args):
    call_command("dna_report", *args)
    return capsys.readouterr().out


def test_dna_report_prints_json_rows_on_its_last_line(make_appointments, capsys):
    make_appointments([3, 5, 5, 2], imd_decile=1)
    out = json.loads(run(capsys, "--by", "imd_quintile", "--json").strip().splitlines()[-1])
    assert out["rows"] == [
        {
            "imd_quintile": 1,
            "appointments": 3,
            "dnas": 1,
            "dna_rate": pytest.approx(1 / 3),
            "ci_low": pytest.approx(0.0615, abs=1e-4),
            "ci_high": pytest.approx(0.7923, abs=1e-4),
            "suppressed": False,
        }
    ]


def test_dna_report_crosses_two_dimensions_as_csv(make_appointments, capsys):
    make_appointments([3, 5], imd_decile=1, sex="M")
    make_appointments([5], imd_decile=10, sex="F")
    rows = list(csv.DictReader(io.StringIO(run(capsys, "--by", "sex", "--by", "imd_quintile", "--format", "csv"))))
    assert [(r["sex"], r["imd_quintile"], r["appointments"], r["dnas"]) for r in rows] == [
        ("F", "5", "1", "0"),
        ("M", "1", "2", "1"),
    ]


def test_dna_report_can_suppress_small_counts(make_appointments, capsys):
    make_appointments([3, 5], imd_decile=1)
    rows = json.loads(run(capsys, "--by", "imd_quintile", "--suppress"))["rows"]
    assert rows[0]["dnas"] is None and rows[0]["suppressed"] is True


def test_dna_report_refuses_three_dimensions():
    with pytest.raises(CommandError, match="at most twice"):
        call_command("dna_report", "--by", "sex", "--by", "site", "--by", "month")
