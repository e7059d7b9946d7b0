"""What a re-import's scan of a plain file finds, line by line.

Which rows a re-import leaves alone is decided from the scan (fingerprints.ImportFingerprints.plan):
its lines must be numbered as CsvSource numbers them and its keys trimmed as the validator trims
them, on a file with keys padded with spaces (one with a space that is not ASCII), a value map,
blank lines, a line of the wrong width, a patient whose rows differ and a repeated id, with LF
and CRLF line endings.
"""

import os
import subprocess
import sys
import time

import pytest
from django.db import connection, transaction

from appointments.importing import fingerprints
from appointments.importing.csv_source import CsvSource
from appointments.importing.fingerprints import MIXED, REPEATS, SCAN, ImportFingerprints
from appointments.importing.mapping import IDENTITY, Mapping
from appointments.importing.services import import_extract
from appointments.importing.validation import RowValidator
from appointments.models import Site
from tests.appointments.importing.extracts import csv_text, row

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def _lines(ending: str = "\n") -> str:
    rows = [
        row(appointment_id="A1", patient_id=" H1 "),
        row(appointment_id="A2", patient_id="H1", phone="07700 900222"),  # H1's rows differ
        row(appointment_id="A3", patient_id="H2", site_code="rat01", clinic_code="RAT01-100 "),
        row(appointment_id="A4", patient_id="H3\u00a0", postcode="AT1 2BD"),  # NBSP: Python strips it
        row(appointment_id="A5", patient_id="H4", ethnicity="Z"),
        row(appointment_id="A1", patient_id="H1"),  # a repeat
        row(appointment_id="A6", patient_id="H5", site_code="X"),  # mapped
    ]
    text = csv_text(rows).replace("\n", "\n\n", 1)  # a blank line after the header
    text += "A7,H6,too,few\n\n"  # the wrong width, and a blank line at the end
    return text.replace("\n", ending)


def _scan(path, mapping: Mapping, monkeypatch) -> dict:
    prints = ImportFingerprints(CsvSource(path, mapping), mapping, RowValidator(mapping).rules)
    monkeypatch.setattr(ImportFingerprints, "_drop_scan", lambda self, cursor: None)  # kept to be read here
    with transaction.atomic():
        skip = prints.plan()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT line, pas_id, patient_key, site_id FROM {prints.scan_table} ORDER BY line"  # noqa: S608
            )
            scanned = cursor.fetchall()
            cursor.execute(f"SELECT patient_key FROM {MIXED} ORDER BY 1")  # noqa: S608
            mixed = cursor.fetchall()
            cursor.execute(f"SELECT * FROM {REPEATS} ORDER BY 1")  # noqa: S608
            repeats = cursor.fetchall()
            cursor.execute(f"DROP TABLE {prints.scan_table}")
    return {"scan": scanned, "mixed": mixed, "repeats": repeats, "skip": bytes(skip)}


def _fork_that_fails(*args) -> int:
    """A child scanning part of the file that fails (its part is then scanned by the parent)."""
    return subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"]).pid


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("mapping", [IDENTITY, Mapping(values={"site_code": {"X": "RAT01"}})], ids=["as is", "mapped"])
@pytest.mark.parametrize("split", ["one process", "two processes", "a child that fails"])
def test_the_scan_numbers_trims_and_maps_each_line_as_the_rows_are_read(
    tmp_path, monkeypatch, caplog, ending, mapping, split
):
    """Split in two processes (a large file is), the scan finds the same: here the repeat of A1
    (line 8) is in the child's part and its first row in the parent's."""
    if split != "one process":
        monkeypatch.setattr(fingerprints, "SPLIT_BYTES", 1)
    if split == "a child that fails":
        monkeypatch.setattr(ImportFingerprints, "_fork_scan", _fork_that_fails)
    path = tmp_path / "extract.csv"
    path.write_bytes(_lines(ending).encode())
    import_extract(path=path)  # so there is something to leave alone (in the attend layout)
    found = _scan(path, mapping, monkeypatch)
    if split != "one process":
        first, second = fingerprints._halves(path)
        assert (first.first_number + first.lines, second.first_number) == (6, 6)  # lines 2-5, then 6-11
    fell_back = [r for r in caplog.records if "the child scanning part failed" in r.getMessage()]
    assert len(fell_back) == (split == "a child that fails")
    # Each row's site code staged as the id of the site it names now (matched upper case), if any.
    rat01 = Site.objects.get(ods_code="RAT01").pk
    x = rat01 if mapping.values else Site.objects.filter(ods_code="X").values_list("pk", flat=True).first()
    assert found["scan"] == [
        (3, "A1", "H1", rat01),
        (4, "A2", "H1", rat01),
        (5, "A3", "H2", rat01),
        (6, "A4", "H3", rat01),
        (7, "A5", "H4", rat01),
        (8, "A1", "H1", rat01),
        (9, "A6", "H5", x),
    ]  # fmt: skip  (the blank line 2 is no row; nor is line 10, of the wrong width)
    assert found["mixed"] == [("H1",)]
    assert found["repeats"] == [("A1", 3)]
    # In the layout it was imported in, the rows taken with no problem are left alone (H1's are
    # not, as its rows differ); in another, nothing is.
    assert [line for line, alone in enumerate(found["skip"]) if alone] == ([5, 6, 7] if mapping is IDENTITY else [])


def test_an_unchanged_reimport_of_plain_lines_leaves_every_good_row_alone(tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(_lines().encode())
    first = import_extract(path=path)
    again = import_extract(path=path)
    assert fingerprints.applies(CsvSource(path, IDENTITY))
    assert first.rows_created == again.rows_unchanged  # every row written the first time, left alone now


def test_the_scan_table_is_gone_when_the_plan_is_made(tmp_path):
    """It is a table every session could see: made and dropped in the plan's own transaction."""
    path = tmp_path / "extract.csv"
    path.write_bytes(_lines().encode())
    import_extract(path=path)
    prints = ImportFingerprints(CsvSource(path, IDENTITY), IDENTITY, RowValidator(IDENTITY).rules)
    prints.plan()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_class WHERE relname LIKE %s", [f"{SCAN}%"])
        assert cursor.fetchone()[0] == 0


def test_what_two_parts_of_a_scan_saw_is_what_one_scan_sees():
    parent, child = fingerprints._Seen(), fingerprints._Seen()
    parent.details, parent.ids, parent.maybe_repeated = {b"H1": 1, b"H2": 2}, {11, 12}, set()
    child.details, child.ids, child.maybe_repeated, child.mixed = {b"H2": 3, b"H3": 4}, {13}, {b"A3"}, {b"H3"}
    parent.then(child)
    assert parent.mixed == {b"H2", b"H3"}  # H2 gave other details in each part; H3 within the child's
    assert parent.maybe_repeated == {b"A3"}
    parent.then(_seen(ids={12}))  # an id (by its hash) in both parts: every id is counted in SQL
    assert parent.maybe_repeated is None


def _seen(**values) -> fingerprints._Seen:
    seen = fingerprints._Seen()
    for name, value in values.items():
        setattr(seen, name, value)
    return seen


def test_a_scan_that_fails_in_the_parent_stops_its_child(tmp_path, monkeypatch):
    """The plan fails at once with the parent's error, not after the child has scanned its part."""
    monkeypatch.setattr(fingerprints, "SPLIT_BYTES", 1)
    path = tmp_path / "extract.csv"
    path.write_bytes(_lines().encode())
    import_extract(path=path)
    parent, scan_lines = os.getpid(), ImportFingerprints._scan_lines

    def failing_in_the_parent(self, *args):
        if os.getpid() == parent:
            raise RuntimeError("disk full")
        time.sleep(60)  # the child, which must be stopped
        return scan_lines(self, *args)

    monkeypatch.setattr(ImportFingerprints, "_scan_lines", failing_in_the_parent)
    prints = ImportFingerprints(CsvSource(path, IDENTITY), IDENTITY, RowValidator(IDENTITY).rules)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="disk full"):
        prints.plan()
    assert time.monotonic() - started < 30
