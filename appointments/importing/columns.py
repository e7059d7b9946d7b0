"""The extract's columns (shared/DESIGN.md), which must be present, and how long a value may be."""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

from django.db import models

from appointments.models import Appointment, Clinic, Site, Specialty
from patients.models import Patient

# Without these a row cannot become an appointment, so a file lacking any is not an extract.
REQUIRED_COLUMNS: tuple[str, ...] = (
    "appointment_id",
    "patient_id",
    "site_code",
    "clinic_code",
    "specialty_code",
    "appointment_start",
    "appointment_type",
    "attendance_code",
)
# A file must have at least one column of each group: the patient's age comes from a date
# of birth or, in pseudonymised analytic extracts, the age at each appointment.
REQUIRED_ONE_OF: tuple[tuple[str, ...], ...] = (("date_of_birth", "age"),)
# Present in DESIGN.md's extract but a file may leave them out; given_name/family_name
# are extra columns a trust may add so call handlers can greet the patient.
# booked_at may be left out (lead time unknown, or from waiting_days when given); lsoa
# stands in for a postcode, age for a date of birth.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "date_of_birth",
    "date_of_death",
    "age",
    "booked_at",
    "waiting_days",
    "lsoa",
    "nhs_number",
    "sex",
    "ethnicity",
    "postcode",
    "phone",
    "landline",
    "other_phone",
    "language",
    "interpreter_required",
    "communication_needs",
    "contact_name",
    "contact_phone",
    "contact_relationship",
    "address_line_1",
    "address_line_2",
    "address_line_3",
    "address_line_4",
    "address_line_5",
    "address_line_6",
    "medium",
    "given_name",
    "family_name",
)
ALL_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Ids copied as they are into the CSVs people open in a spreadsheet (the booking team's
# list, the error report): one that starts like a formula is refused at import, so an id
# never needs escaping there (config.spreadsheets).
IDENTIFIER_COLUMNS: tuple[str, ...] = ("appointment_id", "patient_id", "clinic_code")


def _limit(model: type[models.Model], field: str) -> int:
    return model._meta.get_field(field).max_length


# The longest value each column may hold (the field it is stored in); anything longer is
# reported, not truncated.
MAX_LENGTH: dict[str, int] = {
    "appointment_id": _limit(Appointment, "pas_id"),
    "patient_id": _limit(Patient, "hospital_number"),
    "site_code": _limit(Site, "ods_code"),
    "clinic_code": _limit(Clinic, "code"),
    "specialty_code": _limit(Specialty, "treatment_function_code"),
    "given_name": _limit(Patient, "given_name"),
    "family_name": _limit(Patient, "family_name"),
    "lsoa": _limit(Patient, "lsoa_code"),
    "communication_needs": _limit(Patient, "communication_needs"),
    "contact_name": _limit(Patient, "contact_name"),
    "contact_relationship": _limit(Patient, "contact_relationship"),
    "address_line_1": _limit(Patient, "address_line_1"),
    "address_line_2": _limit(Patient, "address_line_2"),
    "address_line_3": _limit(Patient, "address_line_3"),
    "address_line_4": _limit(Patient, "address_line_4"),
    "address_line_5": _limit(Patient, "address_line_5"),
    "address_line_6": _limit(Patient, "address_line_6"),
}
DEFAULT_MAX_LENGTH = 40

# Which Patient fields each optional column fills: a re-import from a file without
# the column leaves those fields as they were.
PATIENT_FIELDS_FROM_COLUMN: dict[str, tuple[str, ...]] = {
    "date_of_birth": ("date_of_birth",),
    "date_of_death": ("deceased", "date_of_death"),
    "nhs_number": ("nhs_number",),
    "sex": ("sex",),
    "ethnicity": ("ethnic_category",),
    "postcode": ("postcode", "lsoa_code", "imd_decile", "imd_vintage"),
    "lsoa": ("lsoa_code", "imd_decile", "imd_vintage"),
    # Any phone column may hold the mobile (texts go only to a mobile) or the other number.
    "phone": ("mobile", "mobile_unusable", "other_phone"),
    "landline": ("mobile", "mobile_unusable", "other_phone"),
    "other_phone": ("mobile", "mobile_unusable", "other_phone"),
    "language": ("preferred_language",),
    "interpreter_required": ("interpreter_required",),
    "communication_needs": ("communication_needs",),
    "contact_name": ("contact_name",),
    "contact_phone": ("contact_phone",),
    "contact_relationship": ("contact_relationship",),
    "address_line_1": ("address_line_1",),
    "address_line_2": ("address_line_2",),
    "address_line_3": ("address_line_3",),
    "address_line_4": ("address_line_4",),
    "address_line_5": ("address_line_5",),
    "address_line_6": ("address_line_6",),
    "given_name": ("given_name",),
    "family_name": ("family_name",),
}


# --- The national code lists site and specialty codes are checked against ---
# The national code lists an extract's site and specialty codes are checked against.
#
# A code that is not a real one (a typo, "NOPE", a HES default such as "89997") is a row
# error: created silently it would become a site or specialty in the directors' filters.
#
# - Specialties: the NHS Data Dictionary's treatment function codes, shipped as
#   `data/treatment_functions.csv` (its source and how to update it: `data/README.md`).
# - Sites: the ODS code format. An NHS trust is three characters (RAT) and its sites five
#   (RAT01, RDDH0); Welsh health boards are three and five too (7A1, 7A1A1); a GP
#   practice is a letter and five digits (A81001). Every ODS code holds a letter, so an
#   all-digit value (a HES default code) is not one. The format is checked, not the
#   register: a trust's new site is accepted, and listed in the batch summary as new.

TREATMENT_FUNCTIONS_CSV = Path(__file__).resolve().parent / "data" / "treatment_functions.csv"

_ODS_SITE = re.compile(r"^(?=[A-Z0-9]*[A-Z])(?:[A-Z0-9]{3}|[A-Z0-9]{5})$|^[A-Z]\d{5}$")

ODS_SITE_FORMAT = "3 or 5 letters and digits, e.g. RAT or RAT01; a GP practice is a letter and 5 digits"


@cache
def treatment_functions() -> dict[str, str]:
    """Treatment function code → its Data Dictionary name."""
    with open(TREATMENT_FUNCTIONS_CSV, encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def is_treatment_function(code: str) -> bool:
    return code in treatment_functions()


def specialty_name(code: str) -> str:
    """The name a new specialty is created with (the Data Dictionary's, else the code)."""
    return treatment_functions().get(code) or f"Treatment function {code}"


def is_ods_site_code(code: str) -> bool:
    return bool(_ODS_SITE.match(code))
