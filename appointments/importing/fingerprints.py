"""Leave unchanged rows alone: a re-import validates and writes only the rows that changed.

A trust's nightly extract mostly repeats the last one. Each row taken with no problem leaves its
appointment a fingerprint (`Appointment.fingerprint`, written by the statement that writes the
appointment): a digest of its values and of everything else its outcome depends on: the file's
header, the layout or mapping, the importer's own code and the packages it parses with, the
trust's zone and the reference tables it looks codes up in (`context_digest`). The next import
scans the file once for each row's digest and keys, COPYs them into a temporary table, and asks
PostgreSQL in one statement which rows are exactly what they were: those are counted as
unchanged and never reach Python validation or the writer; every other row is read, validated,
written and announced as before.

A row is left alone only when all of these hold, so the result is the one a full import
would give:

- its digest is the one recorded for the appointment with its appointment_id, and it is
  the first row of the file with that id (a later one is reported as a repeat, as always);
- neither the appointment nor its patient has changed since the digest was recorded
  (`updated_at`: an edit in Attend, an appointment withdrawn as entered in error, another
  row that rewrote the patient), and the appointment still belongs to the row's patient
  and to the site, specialty and clinic the row names (a code renamed in the admin);
- every row of the file for its patient gives the patient the same details (otherwise the
  last row's details win, so all of that patient's rows are read); and the patient has no
  local correction (corrections.keep_local_corrections decides per import).

A row with any problem, error or warning, leaves its appointment no fingerprint (clearing the
one an earlier row left), so it is validated on every import and reported with its line as the
first time; value rules that fired on a recorded row are stored with it and counted again in the
batch summary. A changed layout, mapping, header, code or reference table changes every digest,
so everything is validated once.

The scan reads bytes: a file with no quote character has no field that spans lines or holds
a comma, so each line is split as it is; a file with quotes is parsed with `csv` (slower,
the same digests). A first import does not scan at all: nothing can be left alone, so each
row is digested as it is read, and a patient whose rows differ is found as they are read.
PostgreSQL only, CSV only: FHIR Bundles and SQLite import as before. `ENABLED` (or
`import_extract(..., revalidate_all=True)`) turns it off.
"""

from __future__ import annotations

import hashlib
import logging
import mmap
import os
import pickle
import signal
import tempfile
from binascii import hexlify
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache
from importlib import metadata
from itertools import islice
from operator import itemgetter
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from appointments.importing.csv_source import MAX_LINE_CHARS, CsvSource
from appointments.importing.mapping import Mapping
from appointments.models import Appointment, Clinic, Site, Specialty
from config.localtime import local_zone
from patients.corrections.models import LocalCorrection
from patients.deprivation.lookup import current_vintage
from patients.deprivation.models import LsoaDeprivation, PostcodeLsoa
from patients.models import Patient

ENABLED = True
logger = logging.getLogger(__name__)

# The extract's columns that belong to the appointment; every other column is the patient's
# (a column added later counts as the patient's: at worst more rows are read).
APPOINTMENT_COLUMNS = frozenset({
    "appointment_id", "site_code", "clinic_code", "specialty_code", "appointment_start", "booked_at",
    "waiting_days", "appointment_type", "medium", "attendance_code", "age",
})  # fmt: skip
# Columns the scan stages as keys, in the scan table's order after the line.
KEY_COLUMNS = ("appointment_id", "patient_id", "site_code", "clinic_code", "specialty_code", "lsoa")

_ROOT = Path(__file__).resolve().parents[2]
# Code whose behaviour decides what a row becomes: any change to it validates every row once.
_CODE = (
    "appointments/importing", "appointments/models.py", "patients/models.py", "patients/identifiers.py",
    "patients/deprivation/lookup.py", "patients/corrections/services.py", "config/localtime.py",
    "config/spreadsheets.py",
)  # fmt: skip
_PACKAGES = ("phonenumbers", "nhs-number", "Django")

SCAN = "attend_import_scan"  # with this session's backend id: see `plan`
REPEATS = "attend_import_repeats"
MIXED = "attend_import_mixed"
SKIP = "attend_import_skip"
# FREEZE: the table is made in the same transaction, so its rows are written as already visible to
# all (reading a million rows otherwise first marks each page, which then has to be written out).
SCAN_COPY = "COPY {scan} FROM STDIN WITH (FORMAT csv, FREEZE, FORCE_NOT_NULL (pas_id, patient_key, lsoa))"
# Where the site, clinic and specialty code are among KEY_COLUMNS: the scan stages their ids.
_CODE_PLACES = (2, 3, 4)
RULES_SEPARATOR = "\x1f"
# A plain file of this size or more is scanned by two processes at once, half its lines each (the
# second core would otherwise only take in the COPY); POSIX only: the second is a forked child.
SPLIT_BYTES = 16 << 20
# The share of the lines the parent scans: less than half, as it also sends the child's rows after.
PARENT_SHARE = 0.45
TEMP_BUFFERS = "256MB"
_BLOCK_ROWS = 20_000
# The characters str.strip() removes that are ASCII (the validator strips every value).
_ASCII_SPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def _md5(data: bytes = b"") -> hashlib._Hash:
    return hashlib.md5(data, usedforsecurity=False)


@cache
def code_digest() -> bytes:
    """The importer's code, its data files and the versions of the parsers it uses."""
    digest = _md5()
    for name in _CODE:
        path = _ROOT / name
        files = sorted(p for p in path.rglob("*") if p.suffix in {".py", ".csv"}) if path.is_dir() else [path]
        for file in files:
            digest.update(str(file.relative_to(_ROOT)).encode())
            digest.update(file.read_bytes())
    for package in _PACKAGES:
        digest.update(f"{package}={metadata.version(package)}".encode())
    return digest.digest()


def _table_digest(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return repr(cursor.fetchone())


def reference_digest() -> str:
    """The reference tables a row is looked up in: the IMD vintage and its ranks (small: hashed
    whole), the postcode directory (millions of rows: its size and newest id, which any load
    changes). Site, specialty and clinic codes are checked per row instead (`_compare`): the
    import itself adds codes, which must not make the next import read every row."""
    ranks, postcodes = LsoaDeprivation._meta.db_table, PostcodeLsoa._meta.db_table
    return "|".join((
        str(current_vintage()),
        _table_digest(f"SELECT count(*), md5(string_agg(lsoa_code || vintage || imd_decile, ',' ORDER BY id)) FROM {ranks}"),  # noqa: S608, E501
        _table_digest(f"SELECT count(*), max(id) FROM {postcodes}"),  # noqa: S608 (a model's table)
    ))  # fmt: skip


def mapping_text(mapping: Mapping) -> str:
    derive = mapping.derive
    return repr(replace(mapping, derive=None)) + (f"{derive.__module__}.{derive.__qualname__}" if derive else "")


def context_digest(header: list[str], mapping: Mapping) -> bytes:
    """What besides its own values decides a row's outcome, as 16 bytes every row digest starts from."""
    digest = _md5(code_digest())
    digest.update("\x00".join(header).encode())
    digest.update(mapping_text(mapping).encode())
    digest.update(str(local_zone()).encode())
    digest.update(reference_digest().encode())
    return digest.digest()


def applies(source: object) -> bool:
    return ENABLED and connection.vendor == "postgresql" and isinstance(source, CsvSource)


class RowRules(Counter):
    """AppliedRules.fired that also keeps the rules fired since `take`, so each row's can be stored."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.since: list[str] = []

    def __setitem__(self, key: str, value: int) -> None:
        if value > self.get(key, 0):
            self.since.append(key)
        super().__setitem__(key, value)

    def take(self) -> str:
        if not self.since:
            return ""
        taken, self.since = RULES_SEPARATOR.join(self.since), []
        return taken


def _ask_for_temp_buffers() -> None:
    """Room for the scan table in memory: temporary tables live in the session's own buffers (8 MB
    by default), which can be raised only before the session first touches one."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET temp_buffers = '{TEMP_BUFFERS}'")
    except DatabaseError:
        pass  # this session has used temporary tables already: they keep the buffers it has


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


class _Seen:
    """What a scan learns as it reads: the patients whose rows do not all give the same details
    (the last row's win, so none of their rows is left alone), and the ids that may be given again,
    told by a 64-bit hash of each (each candidate is then counted exactly in SQL). Python's own
    hashes, compared only within this scan: the process's key makes a collision a chance of one in
    2⁶⁴, never one a file can be made to have."""

    def __init__(self) -> None:
        self.details: dict[bytes, int] = {}  # patient key → the hash of the details its first row gave
        self.mixed: set[bytes] = set()
        self.ids: set[int] = set()
        self.maybe_repeated: set[bytes] | None = set()  # None: any id may be (counted over the whole scan)

    def then(self, later: _Seen) -> None:
        """Add what a scan of the lines after these saw (a forked child's, in the same process image,
        so with the same hashes): a patient both saw with other details is mixed, and an id both saw
        is given again, though only its hash is known here, so every id is counted."""
        for key, given in later.details.items():
            if self.details.setdefault(key, given) != given:
                self.mixed.add(key)
        self.mixed |= later.mixed
        if self.maybe_repeated is None or later.maybe_repeated is None or not self.ids.isdisjoint(later.ids):
            self.maybe_repeated = None
        else:
            self.maybe_repeated |= later.maybe_repeated
        self.ids |= later.ids


class ImportFingerprints:
    """One CSV import's fingerprints: `plan` (scan and compare) before the rows are read, or only
    `prepare` when nothing can be left alone (a first import); `digest` and `see` for each row
    read (the writer stores the digests with the appointments), and `forget_mixed` at the end."""

    def __init__(self, source: CsvSource, mapping: Mapping, rules) -> None:
        self.source = source
        self.mapping = mapping
        self.rules = rules
        self.skipped_rules: Counter[str] = Counter()
        self.first_lines: dict[str, int] = {}
        self.unmatched_postcodes: set[str] = set()
        self.unmatched_lsoas: set[str] = set()
        self.lines_are_records = False  # no quotes in the file: each line is one record
        self.scan_table = SCAN
        self.mixed: set[str] = set()  # hospital numbers whose rows gave different details (`see`)
        self._details: dict[str, int] = {}  # hospital number → the hash of the details its first row gave
        self._header: tuple[list[str], dict[str, int]] | None = None
        self._digest_base: hashlib._Hash | None = None
        rules.fired = RowRules(rules.fired)
        rules.fired.since.clear()

    # --- the scan ----------------------------------------------------------------------
    def anything_recorded(self) -> bool:
        """Whether any row has a fingerprint: without one (a first import) `plan` can leave no row alone."""
        return Appointment.objects.filter(fingerprint__isnull=False).exists()

    def read_header(self) -> tuple[list[str], dict[str, int]]:
        """The file's header and where each column is (ExtractRefused for one that is not an
        extract's), read once: `plan` may then run while another thread reads the source's rows."""
        self._header = self.source.header()
        return self._header

    def prepare(self) -> bytes:
        """Read the header and set up recording, in the importing thread before any row is read
        (the rows' digests start from the context, which asks the database); returns the context."""
        header, _ = self._header or self.read_header()
        context = context_digest(header, self.mapping).hex().encode()
        self._digest_base = _md5(context)
        _ask_for_temp_buffers()
        return context

    def digest(self, record: list[str]) -> str:
        """A row's digest from its fields as read: of the context and the fields joined by commas,
        which is the line itself when no field holds a comma (so the scan digests a plain file's
        lines as they are, in Python or in SQL); a field with a comma in it, another join."""
        return _record_digest(self._digest_base, record)

    def see(self, patient) -> None:
        """Note the details a taken row gives its patient: a patient whose rows differ is `mixed`."""
        given = hash(patient)
        if self._details.setdefault(patient.hospital_number, given) != given:
            self.mixed.add(patient.hospital_number)

    def plan(self) -> bytearray:
        """The lines to leave alone (1 at a line's index), from a scan of the file and one comparison
        in SQL, before the rows are read."""
        header, index = self._header or self.read_header()
        context = self.prepare()
        with transaction.atomic(), connection.cursor() as cursor:
            # The scan table is UNLOGGED, not temporary: PostgreSQL's parallel workers cannot read a
            # session's temporary tables, and the comparison and the aggregates over a million rows
            # are a third faster on two cores. It is named for this session and made and dropped in
            # this one transaction, so no other session sees it and a failure leaves none behind.
            cursor.execute("SELECT pg_backend_pid()")
            self.scan_table = scan = f"{SCAN}_{cursor.fetchone()[0]}"
            cursor.execute(
                f"DROP TABLE IF EXISTS {scan}, {REPEATS}, {MIXED}, {SKIP};"
                f"CREATE UNLOGGED TABLE {scan} (line integer, pas_id text, patient_key text, site_id integer, "
                "clinic_id integer, specialty_id integer, lsoa text, digest uuid);"
                f"CREATE TEMPORARY TABLE {MIXED} (patient_key text PRIMARY KEY);"
            )
            self.lines_are_records = _plain(self.source.path)
            seen = _Seen()
            self._scan(cursor, len(header), index, context, seen)
            with cursor.cursor.copy(f"COPY {MIXED} FROM STDIN") as copy:
                for key in seen.mixed:
                    copy.write_row((key.decode(),))
            # The ids the file gives again, with their first line.
            candidates = seen.maybe_repeated
            cursor.execute(
                f"""
                ANALYZE {scan};
                SET LOCAL work_mem = '256MB';
                CREATE TEMPORARY TABLE {REPEATS} AS
                    SELECT pas_id, min(line) AS first_line FROM {scan}
                    {"" if candidates is None else "WHERE pas_id = ANY(%s)"}
                    GROUP BY pas_id HAVING count(*) > 1;
                """,  # noqa: S608 (this module's tables)
                [] if candidates is None else [sorted(key.decode() for key in candidates)],
            )
            cursor.execute(f"SELECT pas_id, first_line FROM {REPEATS}")  # noqa: S608
            self.first_lines = dict(cursor.fetchall())
            skip = self._compare(cursor, index)
            self._drop_scan(cursor)
            return skip

    def _drop_scan(self, cursor) -> None:
        cursor.execute(f"DROP TABLE {self.scan_table}")

    def first_lines_left_alone(self, skip: bytes | bytearray) -> dict[str, int]:
        """appointment_id → its first line, for ids the file repeats whose first row is left
        alone: the validator must still report the later rows as repeats of that line."""
        return {pas_id: line for pas_id, line in self.first_lines.items() if line < len(skip) and skip[line]}

    def _keys(self, index: dict[str, int]) -> list[tuple[int | None, dict[str, str]]]:
        """Where each key column is and the value map the mapping applies to it (a derived column: None)."""
        keys = []
        for column in KEY_COLUMNS:
            table = dict(self.mapping.values.get(column, {}))
            table.update(dict.fromkeys(self.mapping.missing, ""))
            keys.append((index.get(column), table))
        return keys

    def _patient_columns(self, index: dict[str, int]) -> list[int]:
        return [at for column, at in index.items() if column not in APPOINTMENT_COLUMNS]

    def _scan(self, cursor, width: int, index: dict[str, int], context: bytes, seen: _Seen) -> None:
        """The file's scan rows, COPied into the scan table as they are made (Python makes them while
        PostgreSQL takes them in: a scan in SQL alone, measured, was slower on two cores). A large
        plain file is scanned in two halves at once, the second by a forked child (`_halves`)."""
        ids = _code_ids()  # before the COPY: no other query may run during one
        path = self.source.path
        halves = _halves(path) if self.lines_are_records else None
        with cursor.cursor.copy(SCAN_COPY.format(scan=self.scan_table)) as copy:
            if halves is None:
                if self.lines_are_records:
                    blocks = self._scan_lines(_numbered_lines(path), width, index, context, seen, ids)
                else:
                    blocks = self._scan_records(index, context, seen, ids)
                for block in blocks:
                    copy.write(block)
                return
            first, second = halves
            with tempfile.TemporaryDirectory(prefix="attend-scan-") as folder:
                rows, saw = Path(folder) / "rows", Path(folder) / "seen"
                child = self._fork_scan(second, width, index, context, ids, rows, saw)
                try:
                    for block in self._scan_lines(_numbered_lines(path, first), width, index, context, seen, ids):
                        copy.write(block)
                except BaseException:
                    os.kill(child, signal.SIGKILL)  # the plan has failed: its part is not wanted
                    raise
                finally:
                    _, status = os.waitpid(child, 0)
                if os.waitstatus_to_exitcode(status) == 0:
                    later = pickle.loads(saw.read_bytes())  # noqa: S301 (written by this scan's own child)
                    with open(rows, "rb") as scanned:
                        while block := scanned.read(1 << 20):
                            copy.write(block)
                else:  # the child failed: its part is scanned here
                    logger.warning("All of %s was scanned in this process: the child scanning part failed.", path)
                    later = _Seen()
                    for block in self._scan_lines(_numbered_lines(path, second), width, index, context, later, ids):
                        copy.write(block)
                seen.then(later)

    def _fork_scan(
        self, part: _Part, width: int, index: dict[str, int], context: bytes, ids: _CodeIds, rows: Path, saw: Path
    ) -> int:
        """A forked child scanning `part` into `rows` and what it saw into `saw` (pickled); its pid.
        It runs only this module's code on what the parent already holds, touches no database (the
        parent's connection is never used, nor closed: the child leaves by os._exit) and logs nothing."""
        pid = os.fork()
        if pid:
            return pid
        code = 1
        try:
            later = _Seen()
            lines = _numbered_lines(self.source.path, part)
            with open(rows, "wb") as out:
                for block in self._scan_lines(lines, width, index, context, later, ids):
                    out.write(block)
            saw.write_bytes(pickle.dumps(later, protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
        finally:
            os._exit(code)

    def _scan_lines(
        self,
        lines: Iterable[tuple[int, bytes]],
        width: int,
        index: dict[str, int],
        context: bytes,
        seen: _Seen,
        ids: _CodeIds,
    ) -> Iterable[bytes]:
        """Scan rows of plain lines ((number, the line without its ending)): each line a record, its
        fields split at commas. A line of the wrong width is left out (CsvSource reports it)."""
        keys = self._keys(index)
        present = [at for at, _ in keys if at is not None]
        mapped = [(place, table) for place, (at, table) in enumerate(keys) if at is not None and table]
        derived = [place for place, (at, _) in enumerate(keys) if at is None]
        patient_at = self._patient_columns(index)
        given = itemgetter(*patient_at) if len(patient_at) > 1 else (lambda fields: [fields[at] for at in patient_at])
        base, block = _md5(context), []
        details, differ, ids_seen, maybe_repeated = seen.details, seen.mixed.add, seen.ids, seen.maybe_repeated.add
        for number, line in lines:
            fields = line.split(b",")
            if len(fields) != width:
                continue
            damaged = b"\x00" in line  # a row error: its id counts, its digest is never matched
            if line.isascii() and not damaged:
                values = [fields[at].strip(_ASCII_SPACE) for at in present]
            else:
                values = [_text_key(fields[at].decode()) for at in present]
            for place in derived:
                values.insert(place, b"")
            for place, table in mapped:
                values[place] = _mapped(values[place], table)
            given_details = hash(b",".join(given(fields)))
            if details.setdefault(values[1], given_details) != given_details:
                differ(values[1])
            if (id_hash := hash(values[0])) in ids_seen:
                maybe_repeated(values[0])
            else:
                ids_seen.add(id_hash)
            _to_ids(values, ids)
            for place, _ in mapped:
                values[place] = _csv_field(values[place])
            if damaged:
                values.append(b"")
            else:
                digest = base.copy()
                digest.update(line)
                values.append(hexlify(digest.digest()))
            block.append(b"%d," % number + b",".join(values))
            if len(block) >= _BLOCK_ROWS:
                yield b"\n".join(block) + b"\n"
                block = []
        if block:
            yield b"\n".join(block) + b"\n"

    def _scan_records(self, index: dict[str, int], context: bytes, seen: _Seen, ids: _CodeIds) -> Iterable[bytes]:
        """A file with quotes: records as `csv` reads them (digests of the fields, slower). Each scan
        row is written as the COPY's CSV by `_csv_field` (quoting what needs it, a lone carriage
        return included), as the plain-file scan does."""
        keys = self._keys(index)
        patient_at = self._patient_columns(index)
        block: list[bytes] = []
        size = 0
        base = _md5(context)
        # A source of its own: the import's may be reading the same file in another thread meanwhile.
        for number, record, _ in CsvSource(self.source.path, self.mapping).records():
            if record is None:
                continue
            damaged = any("\x00" in field for field in record)
            staged = [str(number).encode()]
            values = []
            for at, table in keys:
                value = "" if at is None else record[at].strip()
                values.append((table.get(value, value) if table else value).replace("\x00", "\ufffd").encode())
            keys_staged = list(values)
            _to_ids(keys_staged, ids)
            staged += [_csv_field(value) for value in keys_staged]
            if damaged:
                staged.append(b"")
            else:
                staged.append(_record_digest(base, record).encode())
            given_details = hash(_other_join([record[at] for at in patient_at]))
            if seen.details.setdefault(values[1], given_details) != given_details:
                seen.mixed.add(values[1])
            if (id_hash := hash(values[0])) in seen.ids:
                seen.maybe_repeated.add(values[0])
            else:
                seen.ids.add(id_hash)
            line = b",".join(staged)
            block.append(line)
            size += len(line)
            if size > 1 << 20:
                yield b"\n".join(block) + b"\n"
                block, size = [], 0
        if block:
            yield b"\n".join(block) + b"\n"

    # --- the comparison ----------------------------------------------------------------
    def _compare(self, cursor, index: dict[str, int]) -> bytearray:
        a, p = _q(Appointment._meta.db_table), _q(Patient._meta.db_table)
        corrections = _q(LocalCorrection._meta.db_table)
        clinic_check = "a.clinic_id = s.clinic_id" if "clinic_code" in index else "true"
        # Each exclusion costs a pass over a million rows, so only those that can exclude anything.
        exclusions = []
        if self.first_lines:
            exclusions.append(
                f"NOT EXISTS (SELECT 1 FROM {REPEATS} r WHERE r.pas_id = s.pas_id AND r.first_line <> s.line)"  # noqa: S608
            )
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {MIXED})")  # noqa: S608
        if cursor.fetchone()[0]:
            exclusions.append(f"NOT EXISTS (SELECT 1 FROM {MIXED} m WHERE m.patient_key = s.patient_key)")  # noqa: S608
        if LocalCorrection.objects.exists():
            exclusions.append(f"NOT EXISTS (SELECT 1 FROM {corrections} lc WHERE lc.patient_id = a.patient_id)")  # noqa: S608
        excluded = "".join(f" AND {clause}" for clause in exclusions)
        # One bulk join: hash joins, with the memory to hold them (the statistics of tables an
        # import has just filled are often stale, and a million index probes is slower).
        cursor.execute("SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '256MB'")
        cursor.execute(f"""
            CREATE TEMPORARY TABLE {SKIP} AS
                SELECT s.line, a.fingerprint_rules AS rules,
                       -- what `_unmatched` counts, read here with the patient already joined
                       CASE WHEN p.imd_decile IS NULL AND p.postcode <> '' THEN p.postcode END AS unplaced_postcode,
                       CASE WHEN p.imd_decile IS NULL AND s.lsoa <> '' AND p.lsoa_code = upper(s.lsoa)
                            THEN p.lsoa_code END AS unplaced_lsoa
                FROM {self.scan_table} s
                JOIN {a} a ON a.pas_id = s.pas_id
                JOIN {p} p ON p.id = a.patient_id
                WHERE a.fingerprint = s.digest AND a.updated_at <= a.fingerprinted_at
                  AND p.updated_at <= a.fingerprinted_at
                  AND p.hospital_number = s.patient_key AND a.site_id = s.site_id
                  AND a.specialty_id = s.specialty_id AND {clinic_check}{excluded}
        """)  # noqa: S608 (identifiers are the models' and this module's constants)
        cursor.execute(f"SELECT rules, count(*) FROM {SKIP} WHERE rules <> '' GROUP BY rules")  # noqa: S608
        for rules, rows in cursor.fetchall():
            for rule in rules.split(RULES_SEPARATOR):
                self.skipped_rules[rule] += rows
        self._unmatched(cursor, index)
        cursor.execute(f"SELECT max(line) FROM {self.scan_table}")  # noqa: S608
        skip = bytearray((cursor.fetchone()[0] or 0) + 1)
        cursor.execute(f"SELECT array_agg(line) FROM {SKIP}")  # noqa: S608 (one array: a million rows fetched one by one is slower)
        for line in cursor.fetchone()[0] or ():
            skip[line] = 1
        return skip

    def _unmatched(self, cursor, index: dict[str, int]) -> None:
        """The postcodes and LSOAs of rows left alone that no IMD decile was found for, as the
        writer counts those of the rows it writes (the patient holds what the row gave)."""
        if "postcode" in index:
            cursor.execute(f"SELECT DISTINCT unplaced_postcode FROM {SKIP} WHERE unplaced_postcode IS NOT NULL")  # noqa: S608
            self.unmatched_postcodes = {postcode for (postcode,) in cursor.fetchall()}
        if "lsoa" in index:
            cursor.execute(f"SELECT DISTINCT unplaced_lsoa FROM {SKIP} WHERE unplaced_lsoa IS NOT NULL")  # noqa: S608
            self.unmatched_lsoas = {lsoa for (lsoa,) in cursor.fetchall()}

    # --- after the rows ------------------------------------------------------------------
    def forget_mixed(self) -> None:
        """Take back the fingerprints of patients a later row gave other details (the last row's
        details win, so none of their rows may be left alone next time)."""
        if not self.mixed:
            return
        a, p = _q(Appointment._meta.db_table), _q(Patient._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"""UPDATE {a} a SET fingerprint = NULL, fingerprint_rules = '', fingerprinted_at = NULL
                    FROM {p} p WHERE a.patient_id = p.id AND p.hospital_number = ANY(%s)
                    AND a.fingerprint IS NOT NULL""",  # noqa: S608
                [sorted(self.mixed)],
            )


# The ids of the sites (by upper-case code), clinics and specialties, by their codes as bytes.
_CodeIds = tuple[dict[bytes, bytes], dict[bytes, bytes], dict[bytes, bytes]]


def _code_ids() -> _CodeIds:
    """What the scan stages for a row's codes: the id each names now, so that the comparison checks
    an appointment's site, clinic and specialty without joining their tables over a million rows. A
    code with no id (new, or renamed in the admin since) is staged empty, and its row is read."""
    return (
        {code.upper().encode(): b"%d" % pk for pk, code in Site.objects.values_list("pk", "ods_code")},
        {code.encode(): b"%d" % pk for pk, code in Clinic.objects.values_list("pk", "code")},
        {code.encode(): b"%d" % pk for pk, code in Specialty.objects.values_list("pk", "treatment_function_code")},
    )


def _to_ids(keys: list[bytes], ids: _CodeIds) -> None:
    """A scan row's site, clinic and specialty codes (_CODE_PLACES) as the ids they name, or empty.
    The site code is matched upper case, as the validator keeps it (ASCII letters only: a miss is
    only a row read again)."""
    sites, clinics, specialties = ids
    site, clinic, specialty = _CODE_PLACES
    keys[site] = sites.get(keys[site].upper(), b"")
    keys[clinic] = clinics.get(keys[clinic], b"")
    keys[specialty] = specialties.get(keys[specialty], b"")


def _record_digest(base: hashlib._Hash, record: list[str]) -> str:
    """The digest of a record read by `csv`, from `base` (the context's): the fields joined by
    commas, which is the line itself when no field holds one, else joined unambiguously."""
    digest = base.copy()
    joined = ",".join(record)
    digest.update(joined.encode() if joined.count(",") == len(record) - 1 else _other_join(record))
    return digest.hexdigest()


def _other_join(fields: list[str]) -> bytes:
    """Fields joined unambiguously when one may hold a comma (a NUL starts it: no plain line has one)."""
    return ("\x00" + "\x00".join(fields)).encode()


def _numbered_lines(path: Path, part: _Part | None = None) -> Iterable[tuple[int, bytes]]:
    """(number, the line without its ending) of each line after the header, or of `part`'s lines,
    as CsvSource numbers them, leaving out blank lines (not rows) and lines longer than CsvSource
    reads (row errors)."""
    with open(path, "rb") as handle:
        if part is None:
            handle.readline()
            lines, first = handle, 2
        else:
            handle.seek(part.offset)
            lines, first = (handle if part.lines is None else islice(handle, part.lines)), part.first_number
        for number, raw in enumerate(lines, start=first):
            line = raw.rstrip(b"\r\n")
            if line and not (len(raw) >= MAX_LINE_CHARS and _overlong(raw)):
                yield number, line


@dataclass(frozen=True)
class _Part:
    """A run of a file's lines: from `offset` (the start of a line), numbered from `first_number`,
    `lines` of them (None: to the end of the file)."""

    offset: int
    first_number: int
    lines: int | None = None


def _halves(path: Path) -> tuple[_Part, _Part] | None:
    """A plain file's lines after the header in two parts (the first PARENT_SHARE of its bytes), split
    at the end of a line, to be scanned at once; None for a file under SPLIT_BYTES or with no fork."""
    size = path.stat().st_size
    if size < SPLIT_BYTES or not hasattr(os, "fork"):
        return None
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        header_end = data.find(b"\n") + 1
        middle = data.find(b"\n", int(size * PARENT_SHARE)) + 1
        if not 0 < header_end < middle < size:
            return None
        lines = data[header_end:middle].count(b"\n")
    return _Part(header_end, 2, lines), _Part(middle, 2 + lines)


def _plain(path: Path) -> bool:
    """Whether every line of the file is one record: no quote character, and no carriage return
    but in a CRLF line ending (CsvSource, reading text, ends a line at a lone one too)."""
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.find(b'"') >= 0:
            return False
        if data.find(b"\r") < 0:
            return True
    returns = pairs = 0
    previous = b""
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            returns += block.count(b"\r")
            pairs += block.count(b"\r\n") + (previous == b"\r" and block[:1] == b"\n")
            previous = block[-1:]
    return returns == pairs


def _overlong(raw: bytes) -> bool:
    """Whether CsvSource skips this physical line as longer than it reads (`readline(MAX_LINE_CHARS)`)."""
    chars = len(raw.decode())
    return chars > MAX_LINE_CHARS or (chars == MAX_LINE_CHARS and not raw.endswith(b"\n"))


def _csv_field(value: bytes) -> bytes:
    """A key for the scan's CSV COPY (split at commas, it holds none, unless a value map gave one)."""
    if b"," in value or b'"' in value or b"\n" in value or b"\r" in value:
        return b'"' + value.replace(b'"', b'""') + b'"'
    return value


def _mapped(value: bytes, table: dict[str, str]) -> bytes:
    text = value.decode()
    return table.get(text, text).encode()


def _text_key(text: str) -> bytes:
    """A key as the validator strips it; a NUL (a damaged row) shown as U+FFFD, as PostgreSQL holds no NUL."""
    return text.strip().replace("\x00", "\ufffd").encode()
