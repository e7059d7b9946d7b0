"""A trust's own extract layout, mapped onto Attend's columns.

A mapping file is JSON:

    {
      "columns": {"appointment_id": "APPT_REF", "patient_id": "MRN", "appointment_start": "APPT_DTTM"},
      "values": {"attendance_code": {"ATT": "5", "DNA": "3"}, "sex": {"Female": "F", "Male": "M"}},
      "date_format": "%d/%m/%Y",
      "datetime_format": "%d/%m/%Y %H:%M"
    }

or a two-column CSV with the header `attend_column,trust_column`. Columns not named
keep their Attend names; values not listed pass through unchanged; the formats, if
given, replace ISO 8601 for dates and date-times (still parsed strictly).

The built-in layouts (`layouts`) are Mappings too, with what a file cannot say: the
meaning of each national code (so the summary can name the rule that fired), the values
that mark "not given" (`&` in HES), values that are not appointments at all, and
columns derived from others.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from appointments.importing.columns import ALL_COLUMNS
from appointments.importing.files import ExtractRefused

# Fills Attend columns the file does not have from those it has (values: Attend column →
# text, changed in place); returns the names of the rules that fired, for the summary.
Derivation = Callable[[dict[str, str]], list[str]]


@dataclass(frozen=True)
class Mapping:
    # Attend column → trust header (a layout may name alternatives: the first in the file is used)
    columns: dict[str, str | tuple[str, ...]] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # Attend column → {trust value: Attend value}
    date_format: str | None = None
    datetime_format: str | None = None
    name: str = ""  # the layout's name, or "mapping: FILE"
    meanings: dict[str, dict[str, str]] = field(default_factory=dict)  # Attend column → {trust value: what it means}
    missing: frozenset[str] = frozenset()  # values that mean "not given", read as blank
    refused: dict[str, dict[str, str]] = field(default_factory=dict)  # Attend column → {trust value: why no row}
    derives: tuple[str, ...] = ()  # the Attend columns `derive` fills, so the file need not have them
    derive: Derivation | None = field(default=None, compare=False)

    def headers_for(self, column: str) -> tuple[str, ...]:
        header = self.columns.get(column, column)
        return header if isinstance(header, tuple) else (header,)

    def header_for(self, column: str) -> str:
        return "/".join(self.headers_for(column))


IDENTITY = Mapping()


def _check(mapping: Mapping) -> Mapping:
    unknown = sorted(set(mapping.columns) - set(ALL_COLUMNS)) + sorted(set(mapping.values) - set(ALL_COLUMNS))
    if unknown:
        raise ExtractRefused(f"The mapping names columns Attend does not have: {', '.join(unknown)}.")
    for name in ("date_format", "datetime_format"):
        _check_format(name, getattr(mapping, name))
    return mapping


def _check_format(name: str, fmt: object) -> None:
    """A date format must be a strptime pattern that reads back the date it writes."""
    if fmt is None:
        return
    sample = datetime(2024, 1, 31, 9, 30, tzinfo=UTC)
    usable = isinstance(fmt, str) and "%" in fmt
    if usable:
        try:
            usable = datetime.strptime(sample.strftime(fmt), fmt).replace(tzinfo=UTC).date() == sample.date()
        except ValueError:
            usable = False
    if not usable:
        raise ExtractRefused(
            f'The mapping\'s {name} {fmt!r} is not a usable date pattern (e.g. "%d/%m/%Y" or "%d/%m/%Y %H:%M").'
        )


def load_mapping(path: str | Path | None) -> Mapping:
    """The mapping in the file (JSON or two-column CSV); ExtractRefused if it cannot be read."""
    if not path:
        return IDENTITY
    return replace(_load(path), name=f"mapping: {Path(path).name}"[:40])


def _load(path: str | Path) -> Mapping:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ExtractRefused(f"The mapping file cannot be read ({exc}).") from None
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ExtractRefused(f"The mapping file is not valid JSON ({exc}).") from None
        if not isinstance(data, dict):
            raise ExtractRefused("The mapping file must be a JSON object (see the mapping format in the README).")
        columns = data.get("columns", {} if {"values", "date_format", "datetime_format"} & set(data) else data)
        try:
            return _check(
                Mapping(
                    columns={str(k): str(v).strip() for k, v in columns.items()},
                    values={str(k): {str(a): str(b) for a, b in v.items()} for k, v in data.get("values", {}).items()},
                    date_format=data.get("date_format"),
                    datetime_format=data.get("datetime_format"),
                )
            )
        except AttributeError:
            raise ExtractRefused("The mapping file's 'columns' and 'values' must be JSON objects.") from None
    rows = list(csv.reader(text.splitlines()))
    if not rows or [name.strip().lower() for name in rows[0][:2]] != ["attend_column", "trust_column"]:
        raise ExtractRefused("A CSV mapping file needs the header attend_column,trust_column.")
    return _check(Mapping(columns={r[0].strip(): r[1].strip() for r in rows[1:] if len(r) >= 2 and r[0].strip()}))


class AppliedRules:
    """Applies a mapping's value rules to rows and counts each rule that fires, by its name.

    A rule's name says what happened in the trust's own terms: "SEX 9 → X (not specified:
    indeterminate)", "TRETSPEF & → blank (not given)". The counts go on the batch summary.
    """

    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.fired: Counter[str] = Counter()
        self._names: dict[tuple[str, str, str], str] = {}
        # Attend column → the header the file has it under (a CSV source fills it on reading the header).
        self.headers: dict[str, str] = {}
        self.active = bool(mapping.values or mapping.missing or mapping.refused or mapping.derive)

    def header(self, column: str) -> str:
        return self.headers.get(column) or self.mapping.header_for(column)

    def name(self, column: str, value: str, to: str) -> str:
        key = (column, value, to)
        found = self._names.get(key)
        if found is None:
            meaning = self.mapping.meanings.get(column, {}).get(value)
            found = f"{self.header(column)} {value} → {to or 'blank'}"
            found += f" ({meaning})" if meaning else ""
            self._names[key] = found
        return found

    def apply(self, values: dict[str, str]) -> tuple[str, str, str] | None:
        """Rewrite `values` (Attend column → text) in place; returns (column, value, reason) when
        a value says the row is not an appointment at all."""
        mapping, fired = self.mapping, self.fired
        if mapping.missing:
            for column, text in values.items():
                if text in mapping.missing:
                    values[column] = ""
                    fired[self.name(column, text, "") + " (not given)"] += 1
        refusal = None
        for column, reasons in mapping.refused.items():
            reason = reasons.get(values.get(column, ""))
            if reason:
                refusal = refusal or (column, values[column], reason)
        for column, table in mapping.values.items():
            text = values.get(column)
            if text is not None and (to := table.get(text)) is not None:
                fired[self.name(column, text, to)] += 1
                values[column] = to
        for column in mapping.derives:
            values.setdefault(column, "")
        if mapping.derive:
            for rule in mapping.derive(values):
                fired[rule] += 1
        return refusal

    def summary(self) -> list[dict[str, object]]:
        """The rules that fired, most rows first (then by name, so the order does not depend on
        which rows were read: fingerprints count a re-import's unchanged rows separately):
        [{"rule": name, "rows": n}, …]."""
        ranked = sorted(self.fired.items(), key=lambda item: (-item[1], item[0]))
        return [{"rule": rule, "rows": rows} for rule, rows in ranked]
