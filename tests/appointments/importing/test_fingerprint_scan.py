"""The re-import's scan in SQL gives what the Python scan gives, line for line.

A nightly extract of plain lines (no quotes) is scanned by PostgreSQL: the lines are COPied as
they are and split, trimmed, mapped and digested in one statement (fingerprints._scan_in_sql);
any other file, or one PostgreSQL cannot COPY so, by Python. Which rows a re-import leaves alone
is decided from that scan, so the two must agree exactly on every line the file has: keys with
spaces, a value map, blank lines, a line of the wrong width, a key padded with a space that is
not ASCII (which Python's strip removes), a patient whose rows differ, a repeated id.
"""

import pytest
from django.db import connection, transaction

from appointments.importing import fingerprints
from appointments.importing.csv_source import CsvSource
from appointments.importing.fingerprints import MIXED, REPEATS, SCAN, ImportFingerprints
from appointments.importing.mapping import IDENTITY, Mapping
from appointments.importing.services import import_extract
from appointments.importing.validation import RowValidator
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


def _scan(path, mapping: Mapping, *, in_sql: bool, monkeypatch) -> dict:
    if not in_sql:
        monkeypatch.setattr(ImportFingerprints, "_scan_in_sql", lambda *args: False)
    prints = ImportFingerprints(CsvSource(path, mapping), mapping, RowValidator(mapping).rules)
    with transaction.atomic():
        skip = prints.plan()
        with connection.cursor() as cursor:
            # Every column but `details`, which each scan hashes its own way (compared through MIXED).
            cursor.execute(
                f"SELECT line, pas_id, patient_key, site_code, clinic_code, specialty_code, lsoa, digest "  # noqa: S608
                f"FROM {SCAN} ORDER BY line"
            )
            scanned = cursor.fetchall()
            cursor.execute(f"SELECT patient_key FROM {MIXED} ORDER BY 1")  # noqa: S608
            mixed = cursor.fetchall()
            cursor.execute(f"SELECT * FROM {REPEATS} ORDER BY 1")  # noqa: S608
            repeats = cursor.fetchall()
    monkeypatch.undo()
    return {"scan": scanned, "mixed": mixed, "repeats": repeats, "skip": bytes(skip)}


@pytest.mark.parametrize("ending", ["\n", "\r\n"], ids=["LF", "CRLF"])
@pytest.mark.parametrize("mapping", [IDENTITY, Mapping(values={"site_code": {"X": "RAT01"}})], ids=["as is", "mapped"])
def test_the_sql_scan_gives_what_the_python_scan_gives(tmp_path, monkeypatch, ending, mapping):
    path = tmp_path / "extract.csv"
    path.write_bytes(_lines(ending).encode())
    import_extract(path=path)  # so there is something to leave alone (in the attend layout)
    in_sql = _scan(path, mapping, in_sql=True, monkeypatch=monkeypatch)
    in_python = _scan(path, mapping, in_sql=False, monkeypatch=monkeypatch)
    assert in_sql == in_python
    assert [line for line, *_ in in_sql["scan"]] == [3, 4, 5, 6, 7, 8, 9]  # the blank line 2 is not a row
    assert in_sql["mixed"] == [("H1",)]
    assert in_sql["repeats"] == [("A1", 3)]
    sites = [site for _, _, _, site, *_ in in_sql["scan"]]
    assert sites[-1] == ("RAT01" if mapping.values else "X")
    # In the layout it was imported in, the rows taken with no problem are left alone (H1's are
    # not, as its rows differ); in another, nothing is.
    assert [line for line, alone in enumerate(in_sql["skip"]) if alone] == ([5, 6, 7] if mapping is IDENTITY else [])


def test_a_file_postgresql_cannot_copy_as_lines_is_scanned_by_python(tmp_path, monkeypatch):
    path = tmp_path / "extract.csv"
    path.write_bytes(csv_text([row(appointment_id="A1"), row(appointment_id="A2", sex="F\x01")]).encode())
    import_extract(path=path)
    scanned = []
    scan_lines = ImportFingerprints._scan_lines
    monkeypatch.setattr(
        ImportFingerprints,
        "_scan_lines",
        lambda self, lines, *a: scanned.extend(lines := list(lines)) or scan_lines(self, lines, *a),
    )
    prints = ImportFingerprints(CsvSource(path, IDENTITY), IDENTITY, RowValidator(IDENTITY).rules)
    with transaction.atomic():
        prints.plan()
    assert [number for number, _ in scanned] == [2, 3]


def test_keys_are_trimmed_in_sql_of_every_character_pythons_strip_removes():
    every = "".join(chr(c) for c in range(0x110000) if chr(c).isspace())
    assert every == fingerprints._PYTHON_SPACE


def test_an_unchanged_reimport_of_plain_lines_leaves_every_good_row_alone(tmp_path):
    path = tmp_path / "extract.csv"
    path.write_bytes(_lines().encode())
    first = import_extract(path=path)
    again = import_extract(path=path)
    assert fingerprints.applies(CsvSource(path, IDENTITY))
    assert first.rows_created == again.rows_unchanged  # every row written the first time, left alone now
