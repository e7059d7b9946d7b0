"""Loading the deprivation reference tables, and re-deriving patients' deciles from them.

Each load is one transaction: a file that turns out not to be what it claims (a bad
encoding half-way through, say) leaves the tables as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from django.db import transaction

from patients.deprivation.models import LsoaDeprivation, PostcodeLsoa
from patients.deprivation.readers import ReadCounts, ReferenceFileError, read_imd_file, read_postcode_directory
from patients.deprivation.selectors import current_vintage, derive_deprivation
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


@transaction.atomic
def import_postcode_lsoa(*, lines: Iterable[str], file_name: str = "") -> ReferenceImportSummary:
    """Load (or refresh) postcode → LSOA from an ONS postcode directory file."""
    counts = ReadCounts()
    years, rows = read_postcode_directory(lines, counts)
    summary = ReferenceImportSummary(file=file_name, lsoa_years=years)
    for chunk in _chunks(rows):
        # The same postcode twice in one chunk would make one upsert touch a row twice.
        unique = {(row.postcode_key, row.lsoa_year): row for row in chunk}
        PostcodeLsoa.objects.bulk_create(
            [
                PostcodeLsoa(postcode_key=r.postcode_key, lsoa_year=r.lsoa_year, lsoa_code=r.lsoa_code)
                for r in unique.values()
            ],
            update_conflicts=True,
            unique_fields=["postcode_key", "lsoa_year"],
            update_fields=["lsoa_code"],
        )
        summary.rows_loaded += len(unique)
    summary.rows_read, summary.rows_skipped, summary.skipped_examples = (
        counts.rows_read,
        counts.rows_skipped,
        counts.examples,
    )
    return summary


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
    summary = ReferenceImportSummary(file=file_name, vintage=file_vintage)
    for chunk in _chunks(rows):
        unique = {row.lsoa_code: row for row in chunk}
        LsoaDeprivation.objects.bulk_create(
            [
                LsoaDeprivation(
                    lsoa_code=r.lsoa_code, vintage=file_vintage, imd_rank=r.imd_rank, imd_decile=r.imd_decile
                )
                for r in unique.values()
            ],
            update_conflicts=True,
            unique_fields=["lsoa_code", "vintage"],
            update_fields=["imd_rank", "imd_decile"],
        )
        summary.rows_loaded += len(unique)
    summary.rows_read, summary.rows_skipped, summary.skipped_examples = (
        counts.rows_read,
        counts.rows_skipped,
        counts.examples,
    )
    return summary


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
            deprivation = found.get(postcode_key(patient.postcode))
            new = (
                (deprivation.lsoa_code, deprivation.imd_decile, deprivation.vintage if deprivation.imd_decile else "")
                if deprivation
                else ("", None, "")
            )
            unmatched += deprivation is None or deprivation.imd_decile is None
            if new != (patient.lsoa_code, patient.imd_decile, patient.imd_vintage):
                patient.lsoa_code, patient.imd_decile, patient.imd_vintage = new
                changed.append(patient)
        Patient.objects.bulk_update(changed, ["lsoa_code", "imd_decile", "imd_vintage"], batch_size=CHUNK)
        updated += len(changed)
    return {"patients_updated": updated, "patients_unmatched": unmatched}
