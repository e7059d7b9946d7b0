"""The aggregate file: its envelope, its canonical JSON and SHA-256, and the schema it must meet.

The format is docs/aggregates/attend-aggregates-v1.schema.json, a public contract: a hub reads
files from many trusts with it. The file is written as canonical JSON (sorted keys, no spaces,
UTF-8), so its bytes are the same wherever it is rebuilt from the same content, and `sha256` is
the SHA-256 of those bytes with the `sha256` field left out: a hub recomputes it to check
nothing was changed or cut short on the way.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from django.conf import settings

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "aggregates" / "attend-aggregates-v1.schema.json"
SCHEMA_NAME, SCHEMA_VERSION = "attend-aggregates", 1


class InvalidAggregateFile(ValueError):
    """A file that does not meet the schema (or whose hash does not match): never written or sent."""


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@cache
def attend_version() -> str:
    """Attend's version, from pyproject.toml (the one place it is declared)."""
    with (Path(settings.BASE_DIR) / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["project"]["version"]


def canonical(document: dict[str, Any]) -> bytes:
    """Sorted keys, no spaces, UTF-8: the bytes that are hashed, written and sent."""
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def content_sha256(document: dict[str, Any]) -> str:
    """The SHA-256 the schema defines: of the canonical JSON with the `sha256` field removed."""
    return hashlib.sha256(canonical({k: v for k, v in document.items() if k != "sha256"})).hexdigest()


def sealed(document: dict[str, Any]) -> bytes:
    """The file's bytes: the document with its SHA-256, checked against the schema first."""
    document = {**document, "sha256": content_sha256(document)}
    validate(document)
    return canonical(document)


def validate(document: dict[str, Any]) -> None:
    """Refuse a document that fails the schema or whose hash does not match its content."""
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(part) for part in first.absolute_path) or "the file"
        raise InvalidAggregateFile(f"{where}: {first.message} ({len(errors)} schema error(s) in all)")
    if document["sha256"] != content_sha256(document):
        raise InvalidAggregateFile("sha256 does not match the file's content")
