import io
import json

import pytest
from django.core.management import CommandError, call_command

from appointments.models import Appointment
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db


def test_the_command_prints_a_json_summary_on_its_last_line(tmp_path):
    out = io.StringIO()
    call_command("import_appointments", str(write_extract(tmp_path, [row()])), "--json", "--no-progress", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (summary["status"], summary["rows_created"], summary["file_name"]) == ("succeeded", 1, "extract.csv")


def test_the_command_shows_a_progress_bar_on_stderr(tmp_path):
    err = io.StringIO()
    path = write_extract(tmp_path, [row(appointment_id=f"A{n}") for n in range(20)])
    call_command("import_appointments", str(path), stdout=io.StringIO(), stderr=err)
    assert "extract.csv" in err.getvalue() and "100%" in err.getvalue()


def test_a_refused_file_makes_the_command_fail_with_the_reason(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="empty"):
        call_command("import_appointments", str(empty), "--no-progress", stdout=io.StringIO())


def test_the_command_takes_a_mapping_file(tmp_path):
    path = write_extract(tmp_path, [row()])
    path.write_text(path.read_text().replace("appointment_id", "REF", 1))
    mapping = tmp_path / "m.json"
    mapping.write_text('{"appointment_id": "REF"}')
    call_command("import_appointments", str(path), "--mapping", str(mapping), "--no-progress", stdout=io.StringIO())
    assert Appointment.objects.filter(pas_id="A0001").exists()
