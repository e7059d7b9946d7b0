"""Is this a sound aggregate file? Its schema, its hash, its period and its tables, checked before
anything is written; the first fault found is the reason it is refused, in words an analyst can act on.

The format is docs/aggregates/attend-aggregates-v1.schema.json (JSON Schema 2020-12). Beyond the
schema, a file must also:
- carry the SHA-256 of its canonical JSON (keys sorted, no spaces, UTF-8 without escaping, the
  sha256 field removed), so a file changed on the way is refused;
- count whole months (`period.from` the first of a month, `period.to` the last day of one), and
  every row's month must lie within them;
- give each table month and imd_quintile (or imd_decile) and at most one further dimension (pilot
  with arm counting as one), every row naming exactly the table's dimensions, once;
- be honest about suppression: a suppressed row's counts are null, a shown row's are all given,
  and no row has more DNAs than appointments that happened.
A key the schema does not know (in the file, a table or a row) is refused by the schema itself
("additionalProperties": false), so no patient-level field can ride along.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator, FormatChecker

SCHEMA_PATH = settings.BASE_DIR / "docs" / "aggregates" / "attend-aggregates-v1.schema.json"
SCHEMA_NAME, VERSION = "attend-aggregates", 1
COUNTS = ("happened", "dnas", "cancelled")
DEPRIVATION = ("imd_quintile", "imd_decile")
FURTHER = ("specialty", "site", "age_band", "sex", "ethnic_group")


class AggregateFileRefused(ValueError):
    """The file cannot be loaded; str(error) says why. What is known of it (trust, period) rides along."""

    def __init__(self, reason: str, *, facts: dict[str, Any] | None = None) -> None:
        super().__init__(reason)
        self.facts = facts or {}


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def canonical_sha256(document: dict[str, Any]) -> str:
    """SHA-256 of the document's canonical JSON with its sha256 field removed (the schema's definition)."""
    body = {key: value for key, value in document.items() if key != "sha256"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AggregateFile:
    """A file that passed every check."""

    document: dict[str, Any]
    sha256: str
    ods_code: str
    trust_name: str
    period_from: date
    period_to: date

    @property
    def tables(self) -> list[dict[str, Any]]:
        return self.document["tables"]


def parse(content: bytes) -> dict[str, Any]:
    try:
        document = json.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise AggregateFileRefused("The file is not UTF-8 text, so it is not an Attend aggregate file.") from None
    except json.JSONDecodeError as error:
        raise AggregateFileRefused(f"The file is not JSON ({error.msg} at line {error.lineno}).") from None
    if not isinstance(document, dict):
        raise AggregateFileRefused("The file is JSON but not an object, so it is not an Attend aggregate file.")
    return document


def facts_of(document: dict[str, Any]) -> dict[str, Any]:
    """What can be read of a file even when it is refused, for the record of what arrived."""
    trust = document.get("trust") if isinstance(document.get("trust"), dict) else {}
    period = document.get("period") if isinstance(document.get("period"), dict) else {}
    version = document.get("version")
    return {
        "ods_code": str(trust.get("ods_code") or "")[:20],
        "version": version if isinstance(version, int) and not isinstance(version, bool) and version >= 0 else None,
        "period_from": _date_or_none(period.get("from")),
        "period_to": _date_or_none(period.get("to")),
    }


def _date_or_none(value: Any) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def validate(document: dict[str, Any]) -> AggregateFile:
    """The checked file, or AggregateFileRefused with the first reason it cannot be loaded."""
    facts = facts_of(document)

    def refuse(reason: str) -> AggregateFileRefused:
        return AggregateFileRefused(reason, facts=facts)

    if document.get("schema") != SCHEMA_NAME:
        raise refuse(
            f"The file's schema is {document.get('schema')!r}, not {SCHEMA_NAME!r}: not an Attend aggregate file."
        )
    if document.get("version") != VERSION:
        raise refuse(f"The file is version {document.get('version')!r}; this hub reads version {VERSION} only.")
    errors = sorted(
        Draft202012Validator(schema(), format_checker=FormatChecker()).iter_errors(document),
        key=lambda e: list(e.absolute_path),
    )
    if errors:
        raise refuse(f"The file does not match the schema: {_schema_error(errors[0])}")
    declared, actual = document["sha256"], canonical_sha256(document)
    if declared != actual:
        raise refuse(
            f"The file's SHA-256 does not match its content (it says {declared}, the content gives "
            f"{actual}): it was changed after it was made, or made wrongly."
        )
    period_from, period_to = facts["period_from"], facts["period_to"]
    _check_period(period_from, period_to, refuse)
    for number, table in enumerate(document["tables"], start=1):
        _check_table(number, table, period_from, period_to, refuse)
    return AggregateFile(
        document, actual, document["trust"]["ods_code"], document["trust"]["name"], period_from, period_to
    )


def _schema_error(error: Any) -> str:
    where = "/".join(str(part) for part in error.absolute_path) or "the top level"
    return f"at {where}: {error.message}."


def _check_period(start: date | None, end: date | None, refuse: Any) -> None:
    if start is None or end is None:
        raise refuse("The file's period has a date that is not a calendar date.")
    if start > end:
        raise refuse(f"The file's period runs backwards: from {start} to {end}.")
    if start.day != 1 or end.day != calendar.monthrange(end.year, end.month)[1]:
        raise refuse(
            f"The file's period ({start} to {end}) is not whole months: it must start on the first "
            "of a month and end on the last day of one."
        )


def _check_table(number: int, table: dict[str, Any], start: date, end: date, refuse: Any) -> None:
    by = table["by"]
    further = [d for d in by if d not in ("month", *DEPRIVATION)]
    if "month" not in by or sum(d in by for d in DEPRIVATION) != 1:
        raise refuse(f"Table {number} ({', '.join(by)}) must count by month and by one of imd_quintile or imd_decile.")
    if not (further == [] or (len(further) == 1 and further[0] in FURTHER) or sorted(further) == ["arm", "pilot"]):
        raise refuse(
            f"Table {number} ({', '.join(by)}) crosses more than one further dimension; the format "
            "allows one (or pilot with arm)."
        )
    wanted = {*by, *COUNTS, "suppressed"}
    seen: set[tuple[Any, ...]] = set()
    first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
    for row_number, row in enumerate(table["rows"], start=1):
        where = f"Table {number} ({', '.join(by)}), row {row_number}"
        if set(row) != wanted:
            missing, extra = sorted(wanted - set(row)), sorted(set(row) - wanted)
            parts = [f"missing {', '.join(missing)}"] if missing else []
            parts += [f"not in the table: {', '.join(extra)}"] if extra else []
            detail = "; ".join(parts)
            raise refuse(f"{where} does not name exactly the table's dimensions ({detail}).")
        key = tuple(row[d] for d in by)
        if key in seen:
            raise refuse(f"{where} repeats a row already given ({', '.join(f'{d}={row[d]}' for d in by)}).")
        seen.add(key)
        if not first <= row["month"] <= last or not 1 <= int(row["month"][5:]) <= 12:
            raise refuse(f"{where} counts {row['month']}, outside the file's period ({first} to {last}).")
        counts = [row[c] for c in COUNTS]
        if row["suppressed"] and any(c is not None for c in counts):
            raise refuse(f"{where} is marked suppressed but gives counts: a suppressed row's counts are null.")
        if not row["suppressed"] and any(c is None for c in counts):
            raise refuse(f"{where} has a null count but is not marked suppressed.")
        if not row["suppressed"] and row["dnas"] > row["happened"]:
            raise refuse(f"{where} has more DNAs ({row['dnas']}) than appointments that happened ({row['happened']}).")
