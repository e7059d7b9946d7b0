"""Writing small extracts for the importer's tests."""

from __future__ import annotations

import csv
import io
from pathlib import Path

HEADER = [
    "appointment_id", "patient_id", "nhs_number", "date_of_birth", "sex", "ethnicity", "postcode", "phone",
    "language", "interpreter_required", "site_code", "clinic_code", "specialty_code", "appointment_start",
    "booked_at", "appointment_type", "medium", "attendance_code",
]  # fmt: skip


def row(**changes: str) -> dict[str, str]:
    """A valid extract row (an upcoming appointment), with `changes` applied."""
    values = {
        "appointment_id": "A0001",
        "patient_id": "H0001",
        "nhs_number": "943 476 5919",
        "date_of_birth": "1980-02-03",
        "sex": "F",
        "ethnicity": "A",
        "postcode": "at1 2bd",
        "phone": "07700 900123",
        "language": "pl",
        "interpreter_required": "Y",
        "site_code": "RAT01",
        "clinic_code": "RAT01-100",
        "specialty_code": "100",
        "appointment_start": "2030-12-02T09:30",
        "booked_at": "2030-11-01T10:00:00+00:00",
        "appointment_type": "first",
        "medium": "face_to_face",
        "attendance_code": "",
    }
    values.update(changes)
    return values


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def write_extract(directory: Path, rows: list[dict[str, str]], name: str = "extract.csv", header=None) -> Path:
    path = directory / name
    path.write_text(csv_text(rows, header), encoding="utf-8")
    return path
