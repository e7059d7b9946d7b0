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
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from appointments.importing.columns import ALL_COLUMNS
from appointments.importing.files import ExtractRefused


@dataclass(frozen=True)
class Mapping:
    columns: dict[str, str] = field(default_factory=dict)  # Attend column → trust header
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # Attend column → {trust value: Attend value}
    date_format: str | None = None
    datetime_format: str | None = None

    def header_for(self, column: str) -> str:
        return self.columns.get(column, column)


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
