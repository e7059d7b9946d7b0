"""Loading the deprivation reference tables, and re-deriving patients' deciles from them.

Each load is one transaction: a file that turns out not to be what it claims (a bad
encoding half-way through, say) leaves the tables as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Model

from patients.deprivation.lookup import current_vintage, derive_deprivation, patient_deprivation
from patients.deprivation.models import LSOA_YEAR_FOR_VINTAGE, LsoaDeprivation, PostcodeLsoa
from patients.deprivation.readers import (
    LsoaImdRow,
    PostcodeLsoaRow,
    ReadCounts,
    ReferenceFileError,
    read_imd_file,
    read_postcode_directory,
)
from patients.identifiers import postcode_key
from patients.models import Patient

CHUNK = 5000


@dataclass
class ReferenceImportSummary:
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rows_skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    vintage: str = ""
    lsoa_years: list[int] = field(default_factory=list)

    def take_counts(self, counts: ReadCounts) -> ReferenceImportSummary:
        self.rows_read, self.rows_skipped, self.skipped_examples = (
            counts.rows_read,
            counts.rows_skipped,
            counts.examples,
        )
        return self


def text_lines(path: str | Path) -> Iterator[str]:
    """The file's lines as text; UTF-8 (with or without a byte-order mark) or refused."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            yield from handle
    except UnicodeDecodeError as exc:
        raise ReferenceFileError(f"the file is not UTF-8 text (byte {exc.start} cannot be read)") from None


def _chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _upsert(
    rows: Iterable,
    *,
    key: Callable[[Any], Any],
    build: Callable[[Any], Model],
    unique_fields: list[str],
    update_fields: list[str],
) -> int:
    """Insert or update `rows` in chunks; returns how many distinct rows were written. The same key
    twice in one chunk would make one upsert touch a row twice, so the last one wins."""
    loaded = 0
    for chunk in _chunks(rows):
        unique = {key(row): row for row in chunk}
        objects = [build(row) for row in unique.values()]
        type(objects[0]).objects.bulk_create(
            objects, update_conflicts=True, unique_fields=unique_fields, update_fields=update_fields
        )
        loaded += len(unique)
    return loaded


def _upsert_postcode_lsoa(rows: Iterable[PostcodeLsoaRow]) -> int:
    return _upsert(
        rows,
        key=lambda r: (r.postcode_key, r.lsoa_year),
        build=lambda r: PostcodeLsoa(postcode_key=r.postcode_key, lsoa_year=r.lsoa_year, lsoa_code=r.lsoa_code),
        unique_fields=["postcode_key", "lsoa_year"],
        update_fields=["lsoa_code"],
    )


def _upsert_lsoa_imd(rows: Iterable[LsoaImdRow], *, vintage: str) -> int:
    return _upsert(
        rows,
        key=lambda r: r.lsoa_code,
        build=lambda r: LsoaDeprivation(
            lsoa_code=r.lsoa_code, vintage=vintage, imd_rank=r.imd_rank, imd_decile=r.imd_decile
        ),
        unique_fields=["lsoa_code", "vintage"],
        update_fields=["imd_rank", "imd_decile"],
    )


@transaction.atomic
def import_postcode_lsoa(*, lines: Iterable[str], file_name: str = "") -> ReferenceImportSummary:
    """Load (or refresh) postcode → LSOA from an ONS postcode directory file."""
    counts = ReadCounts()
    years, rows = read_postcode_directory(lines, counts)
    loaded = _upsert_postcode_lsoa(rows)
    return ReferenceImportSummary(file=file_name, lsoa_years=years, rows_loaded=loaded).take_counts(counts)


@transaction.atomic
def import_lsoa_imd(*, lines: Iterable[str], vintage: str | None = None, file_name: str = "") -> ReferenceImportSummary:
    """Load (or refresh) LSOA → IMD rank and decile from an Indices of Deprivation File 1.

    The vintage comes from the file's LSOA column (2011 → IMD2019, 2021 → IMD2025);
    a `vintage` that disagrees with the file is refused rather than mislabelled.
    """
    counts = ReadCounts()
    file_vintage, rows = read_imd_file(lines, counts)
    if vintage and vintage != file_vintage:
        raise ReferenceFileError(
            f"--vintage {vintage} does not match the file, whose LSOA column makes it {file_vintage}"
        )
    loaded = _upsert_lsoa_imd(rows, vintage=file_vintage)
    return ReferenceImportSummary(file=file_name, vintage=file_vintage, rows_loaded=loaded).take_counts(counts)


@transaction.atomic
def load_reference_rows(
    *, vintage: str, postcode_lsoas: Iterable[PostcodeLsoaRow], lsoa_imds: Iterable[LsoaImdRow]
) -> None:
    """Load reference rows that come from somewhere other than the published files (the demo's
    synthetic areas), through the same upserts, so patients' deciles can then be derived from
    them by the one rule. `postcode_lsoas` must be in the LSOA boundaries `vintage` ranks."""
    rows = list(postcode_lsoas)
    wrong_year = {row.lsoa_year for row in rows} - {LSOA_YEAR_FOR_VINTAGE[vintage]}
    if wrong_year:
        raise ReferenceFileError(f"{vintage} ranks {LSOA_YEAR_FOR_VINTAGE[vintage]} LSOAs, not {sorted(wrong_year)}")
    _upsert_postcode_lsoa(rows)
    _upsert_lsoa_imd(lsoa_imds, vintage=vintage)


@transaction.atomic
def refresh_patient_deprivation(*, vintage: str | None = None) -> dict[str, int]:
    """Re-derive every patient's LSOA and IMD decile (after loading new reference data).

    Patients whose postcode is not found keep no decile: never a stale or guessed one.
    """
    vintage = vintage or current_vintage()
    if vintage is None:
        raise ReferenceFileError("no IMD file has been loaded yet, so there is nothing to derive deciles from")
    updated = unmatched = 0
    patients = Patient.objects.exclude(postcode="").only("id", "postcode", "lsoa_code", "imd_decile", "imd_vintage")
    for chunk in _chunks(patients.order_by("id").iterator(chunk_size=CHUNK)):
        found = derive_deprivation([p.postcode for p in chunk], vintage=vintage)
        changed = []
        for patient in chunk:
            new = patient_deprivation(found.get(postcode_key(patient.postcode)))
            unmatched += new[1] is None
            if new != (patient.lsoa_code, patient.imd_decile, patient.imd_vintage):
                patient.lsoa_code, patient.imd_decile, patient.imd_vintage = new
                changed.append(patient)
        Patient.objects.bulk_update(changed, ["lsoa_code", "imd_decile", "imd_vintage"], batch_size=CHUNK)
        updated += len(changed)
    return {"patients_updated": updated, "patients_unmatched": unmatched}
