"""Text that Attend writes into CSV files people open in a spreadsheet.

A cell from a trust's file or a patient's record could be a formula ("=HYPERLINK(…)",
"=cmd|' /C calc'!A0") that the spreadsheet would run when a person opens the file.
Any text cell that starts with = + - @ (or their full-width forms, which some
spreadsheets also take as formulas) or a tab or carriage return is prefixed with a
single quote (OWASP's advice for CSV injection), so it is shown as text.

This is the one rule: every CSV Attend writes goes through `safe_writer`, which applies
`safe_cell` to every cell, and the importer refuses identifiers that `formula_start`
flags, so an id never needs the quote and always reads back as it was sent.
Numbers are not text: an int, a float, a Decimal or text that is just a negative
number ("-0.042", a gap that went the other way) is written as it is, since a
spreadsheet reads it as that number and runs nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Protocol

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NEGATIVE_NUMBER = re.compile(r"-(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_NAMES = {"\t": "a tab", "\r": "a carriage return"}


def formula_start(text: str) -> str | None:
    """How to name the character that would make a spreadsheet run `text` as a formula
    ("'='", "a tab"), or None if it starts with none of them."""
    if not text.startswith(FORMULA_STARTS):
        return None
    return _NAMES.get(text[0], f"'{text[0]}'")


def safe_cell(value: object) -> str:
    """`value` as a cell a spreadsheet shows and never runs."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _NEGATIVE_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeWriter:
    """csv.writer's writerow/writerows, with every cell through `safe_cell` (None is blank).

    writerow returns what the file's write returns, so a file whose write returns the
    text gives the line itself (the way streamed responses are built)."""

    def __init__(self, out: _Writable, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow(["" if cell is None else safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(out: _Writable, **options: Any) -> SafeWriter:
    """A CSV writer on `out` (a file, an HttpResponse, anything with write) that escapes
    formulas in every cell; `options` are csv.writer's (dialect, lineterminator, …)."""
    return SafeWriter(out, **options)
