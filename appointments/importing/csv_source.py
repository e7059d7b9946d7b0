"""Stream a CSV extract as (line, {Attend column: text}) without loading the file.

Hostile input is bounded: a physical line longer than MAX_LINE_CHARS is skipped and
reported (its remainder is read and discarded, never held), csv's own field-size
limit catches a huge quoted field spanning lines, and a malformed record becomes a
row error rather than stopping the run. A header longer than MAX_LINE_CHARS refuses
the file, with that reason.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from appointments.importing.columns import ALL_COLUMNS, REQUIRED_COLUMNS, REQUIRED_ONE_OF
from appointments.importing.files import ExtractRefused
from appointments.importing.layouts import looks_like
from appointments.importing.mapping import Mapping

MAX_LINE_CHARS = 64 * 1024

# (line, values, problem): values is None when the record could not be read, and then
# problem says why.
RawRow = tuple[int, dict[str, str] | None, str | None]


class CsvSource:
    def __init__(self, path: str | Path, mapping: Mapping) -> None:
        self.path = Path(path)
        self.mapping = mapping
        self.chars_read = 0
        self.columns_present: frozenset[str] = frozenset()
        self.headers: dict[str, str] = {}  # Attend column → the file's header for it, once read
        self.withdrawals: dict[int, str] = {}  # a CSV withdraws nothing (FhirSource: entered-in-error)
        self._overlong: set[int] = set()
        self.headers_index: dict[str, int] = {}  # Attend column → its position in the record
        self.skipped = 0  # rows `rows` left out because a re-import found them unchanged
        self._skip_lines: bytes | bytearray = b""
        self.record: list[str] = []  # the fields of the row `rows` gave last, as read

    def _lines(self, handle: TextIO) -> Iterator[str]:
        number = 0
        skip = self._skip_lines
        marked = len(skip)
        while line := handle.readline(MAX_LINE_CHARS):
            number += 1
            self.chars_read += len(line)
            if number < marked and skip[number]:  # a whole record, left alone: csv need not read it
                self.skipped += 1
                yield "\n"
            elif len(line) == MAX_LINE_CHARS and not line.endswith("\n"):
                while (rest := handle.readline(MAX_LINE_CHARS)) and not rest.endswith("\n"):
                    self.chars_read += len(rest)
                self.chars_read += len(rest)
                self._overlong.add(number)
                yield "\n"
            else:
                yield line

    def _check_header(self, header: list[str]) -> None:
        """Refuse a first record that cannot be a header, saying why rather than listing
        every column as missing. A header over MAX_LINE_CHARS on one line reaches here
        as a blank record (its line was skipped); over several lines, inside quotes, as
        a long record."""
        if 1 in self._overlong or sum(map(len, header)) + len(header) > MAX_LINE_CHARS:
            raise ExtractRefused(
                f"The header row is longer than {MAX_LINE_CHARS:,} characters: this does not look like an "
                "extract (its header names the columns, a few hundred characters)."
            )
        if not header:
            raise ExtractRefused("The first line is blank: an extract starts with its header row.")

    def _index(self, header: list[str]) -> dict[str, int]:
        names = [name.strip().lower() for name in header]
        duplicates = sorted({name for name in names if name and names.count(name) > 1})
        if duplicates:
            raise ExtractRefused(f"The header repeats column(s): {', '.join(duplicates)}.")
        index = {}
        for column in ALL_COLUMNS:
            found = next((h.lower() for h in self.mapping.headers_for(column) if h.lower() in names), None)
            if found is not None:
                index[column] = names.index(found)
                self.headers[column] = header[index[column]].strip()
        derived = set(self.mapping.derives)
        missing = [column for column in REQUIRED_COLUMNS if column not in index and column not in derived]
        missing += [" or ".join(group) for group in REQUIRED_ONE_OF if not any(column in index for column in group)]
        if missing:
            raise ExtractRefused(self._not_an_extract(header, missing))
        return index

    def _not_an_extract(self, header: list[str], missing: list[str]) -> str:
        """Why the header is refused: the layout it looks like when it is another's, else what is missing."""
        other = looks_like(header, besides=self.mapping.name or "attend")
        if other:
            return (
                f"These headers look like the {other} layout, not {self.mapping.name or 'attend'}: "
                f"use --layout {other} (an upload: layout={other}). Nothing was imported."
            )
        wanted = ", ".join(
            column
            if " or " in column or self.mapping.header_for(column) == column
            else f"{column} (as {self.mapping.header_for(column)!r})"
            for column in missing
        )
        return f"This is not an appointment extract: required column(s) missing: {wanted}."

    def header(self) -> tuple[list[str], dict[str, int]]:
        """The header record and Attend column → its position, read as `rows` reads them
        (ExtractRefused for a file that is not an extract)."""
        with open(self.path, encoding="utf-8-sig", newline="") as handle:
            return self._read_header(csv.reader(self._lines(handle)))

    def _read_header(self, reader) -> tuple[list[str], dict[str, int]]:
        try:
            header = next(reader)
        except StopIteration:
            raise ExtractRefused("The file is empty.") from None
        except csv.Error as exc:
            raise ExtractRefused(f"The header row is not CSV ({exc}).") from None
        self._check_header(header)
        index = self._index(header)
        self.headers_index = index
        self.columns_present = frozenset(index) | frozenset(self.mapping.derives)
        return header, index

    def records(self) -> Iterator[tuple[int, list[str] | None, str | None]]:
        """(line, the record's fields, None) for each record, or (line, None, why it cannot be read)."""
        self.chars_read = 0
        self._overlong.clear()
        with open(self.path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(self._lines(handle))
            header, _ = self._read_header(reader)
            width = len(header)
            last_line = reader.line_num
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    yield last_line + 1, None, f"not readable as CSV ({exc})"
                    last_line = reader.line_num
                    continue
                line, last_line = last_line + 1, reader.line_num
                if not record:
                    if line in self._overlong:
                        yield line, None, f"line longer than {MAX_LINE_CHARS:,} characters"
                    continue
                if len(record) != width:
                    yield line, None, f"has {len(record)} fields but the header has {width}"
                    continue
                yield line, record, None

    def rows(self, *, skip: bytes | bytearray = b"", lines_are_records: bool = False) -> Iterator[RawRow]:
        """Each record as (line, {Attend column: text}, None), or (line, None, the problem).

        A record whose line is marked in `skip` (a re-import found it unchanged:
        importing.fingerprints) is counted in `skipped` and not yielded. When every line is
        one record (no quotes in the file), a marked line is not even parsed.
        """
        self.skipped = 0
        self._skip_lines = skip if lines_are_records else b""
        if lines_are_records:
            skip = b""
        items: tuple[tuple[str, int], ...] = ()
        marked = len(skip)
        for line, record, problem in self.records():
            if record is None:
                yield line, None, problem
                continue
            if line < marked and skip[line]:
                self.skipped += 1
                continue
            if not items:
                items = tuple(self.headers_index.items())
            self.record = record
            yield line, {column: record[at] for column, at in items}, None
