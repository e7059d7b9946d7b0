"""Readers for the published deprivation reference files.

Both publishers rename columns between releases, so columns are found by every
spelling they have used, never by position:

- ONS postcode directory (NSPL or ONSPD, CSV): the postcode is in `pcd`, `pcd7`,
  `pcd8` or `pcds` (all give the same postcode once spaces are removed); the LSOA in
  `lsoa11`/`lsoa11cd` (2011 boundaries) and/or `lsoa21`/`lsoa21cd` (2021). A release
  with both gives one row per LSOA year.
- English Indices of Deprivation "File 1" (the IMD sheet saved as CSV, or the CSV
  "File 7", whose headers add "(where 1 is most deprived …)"): `LSOA code (2011)`
  for IMD 2019 or `LSOA code (2021)` for IMD 2025, `Index of Multiple Deprivation
  (IMD) Rank` and `Index of Multiple Deprivation (IMD) Decile`.

A file without the columns is refused with a message naming what is missing,
before anything is read further. Rows that cannot be used are counted, not guessed.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from patients.deprivation.models import LSOA_COUNT_FOR_VINTAGE, VINTAGE_FOR_LSOA_YEAR
from patients.identifiers import postcode_key

POSTCODE_COLUMNS = ("pcds", "pcd", "pcd7", "pcd8")
LSOA_COLUMNS = {2011: ("lsoa11cd", "lsoa11"), 2021: ("lsoa21cd", "lsoa21")}
IMD_LSOA_HEADER = re.compile(r"^LSOA code \((2011|2021)\)$", re.IGNORECASE)
IMD_RANK_HEADER = "index of multiple deprivation (imd) rank"
IMD_DECILE_HEADER = "index of multiple deprivation (imd) decile"

_POSTCODE_KEY = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
# Real LSOA codes: E01 (England), W01 (Wales); the directory uses pseudo codes
# ending 99999999 (or blanks) for postcodes without one.
_LSOA_CODE = re.compile(r"^[EW]01\d{6}$")


class ReferenceFileError(ValueError):
    """The file is not the published reference file it was given as; nothing was loaded."""


@dataclass
class ReadCounts:
    """What a reader saw: rows read, and rows it could not use with a few examples why."""

    rows_read: int = 0
    rows_skipped: int = 0
    examples: list[str] = field(default_factory=list)

    def skip(self, line: int, reason: str) -> None:
        self.rows_skipped += 1
        if len(self.examples) < 10:
            self.examples.append(f"line {line}: {reason}")


@dataclass(frozen=True)
class PostcodeLsoaRow:
    postcode_key: str
    lsoa_year: int
    lsoa_code: str


@dataclass(frozen=True)
class LsoaImdRow:
    lsoa_code: str
    imd_rank: int
    imd_decile: int


def _header(reader: Iterator[list[str]]) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise ReferenceFileError("the file is empty") from None
    except csv.Error as exc:
        raise ReferenceFileError(f"the file is not CSV ({exc})") from None
    return [name.strip().lstrip("\ufeff").strip() for name in header]


def _index(header: list[str], candidates: Iterable[str]) -> int | None:
    lowered = [name.lower() for name in header]
    return next((lowered.index(name) for name in candidates if name in lowered), None)


def _rows(reader: Iterator[list[str]], counts: ReadCounts) -> Iterator[tuple[int, list[str]]]:
    line_num = getattr(reader, "line_num", 0)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            counts.rows_read += 1
            counts.skip(getattr(reader, "line_num", line_num), f"malformed CSV ({exc})")
            continue
        if not row:
            continue
        counts.rows_read += 1
        yield getattr(reader, "line_num", 0), row


def read_postcode_directory(lines: Iterable[str], counts: ReadCounts) -> tuple[list[int], Iterator[PostcodeLsoaRow]]:
    """The LSOA years the file has, and its rows (postcode key, LSOA year, LSOA code)."""
    reader = csv.reader(lines)
    header = _header(reader)
    postcode_at = _index(header, POSTCODE_COLUMNS)
    lsoa_at = {year: at for year, names in LSOA_COLUMNS.items() if (at := _index(header, names)) is not None}
    missing = []
    if postcode_at is None:
        missing.append("a postcode column (" + ", ".join(POSTCODE_COLUMNS) + ")")
    if not lsoa_at:
        missing.append("an LSOA column (lsoa11, lsoa11cd, lsoa21 or lsoa21cd)")
    if missing:
        raise ReferenceFileError(
            "this is not an ONS postcode directory (NSPL/ONSPD) file: it has no " + " and no ".join(missing)
        )

    def rows() -> Iterator[PostcodeLsoaRow]:
        for line, row in _rows(reader, counts):
            key = postcode_key(row[postcode_at]) if postcode_at < len(row) else ""
            if not _POSTCODE_KEY.match(key):
                counts.skip(line, f"not a postcode: {key[:20]!r}")
                continue
            usable = False
            for year, at in lsoa_at.items():
                code = row[at].strip().upper() if at < len(row) else ""
                if _LSOA_CODE.match(code):
                    usable = True
                    yield PostcodeLsoaRow(key, year, code)
            if not usable:
                counts.skip(line, f"{key} has no LSOA (outside England and Wales, or a pseudo code)")

    return sorted(lsoa_at), rows()


def read_imd_file(lines: Iterable[str], counts: ReadCounts) -> tuple[str, Iterator[LsoaImdRow]]:
    """The file's IMD vintage (from its LSOA year), and its rows (LSOA, rank, decile)."""
    reader = csv.reader(lines)
    header = _header(reader)
    lsoa_matches = [(at, IMD_LSOA_HEADER.match(name)) for at, name in enumerate(header)]
    lsoa = next(((at, int(m.group(1))) for at, m in lsoa_matches if m), None)
    lowered = [name.lower() for name in header]
    rank_at = next((at for at, name in enumerate(lowered) if name.startswith(IMD_RANK_HEADER)), None)
    decile_at = next((at for at, name in enumerate(lowered) if name.startswith(IMD_DECILE_HEADER)), None)
    missing = [
        label
        for label, found in (
            ("'LSOA code (2011)' or 'LSOA code (2021)'", lsoa),
            ("'Index of Multiple Deprivation (IMD) Rank'", rank_at),
            ("'Index of Multiple Deprivation (IMD) Decile'", decile_at),
        )
        if found is None
    ]
    if missing:
        raise ReferenceFileError(
            "this is not an English Indices of Deprivation File 1: it has no column " + ", no ".join(missing)
        )
    lsoa_at, lsoa_year = lsoa
    vintage = VINTAGE_FOR_LSOA_YEAR[lsoa_year]
    lsoa_count = LSOA_COUNT_FOR_VINTAGE[vintage]

    def rows() -> Iterator[LsoaImdRow]:
        for line, row in _rows(reader, counts):
            if len(row) <= max(lsoa_at, rank_at, decile_at):
                counts.skip(line, "too few columns")
                continue
            code = row[lsoa_at].strip().upper()
            rank_text, decile_text = row[rank_at].strip().replace(",", ""), row[decile_at].strip()
            if not code.startswith("E01") or not _LSOA_CODE.match(code):
                counts.skip(line, f"not an English LSOA code: {code[:20]!r}")
            elif not (rank_text.isdigit() and 1 <= int(rank_text) <= lsoa_count):
                counts.skip(line, f"IMD rank must be 1 to {lsoa_count:,}: {rank_text[:20]!r}")
            elif not (decile_text.isdigit() and 1 <= int(decile_text) <= 10):
                counts.skip(line, f"IMD decile must be 1 to 10: {decile_text[:20]!r}")
            else:
                yield LsoaImdRow(code, int(rank_text), int(decile_text))

    return vintage, rows()
