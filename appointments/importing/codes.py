"""The national code lists an extract's site and specialty codes are checked against.

A code that is not a real one (a typo, "NOPE", a HES default such as "89997") is a row
error: created silently it would become a site or specialty in the directors' filters.

- Specialties: the NHS Data Dictionary's treatment function codes, shipped as
  `data/treatment_functions.csv` (its source and how to update it: `data/README.md`).
- Sites: the ODS code format. An NHS trust is three characters (RAT) and its sites five
  (RAT01, RDDH0); Welsh health boards are three and five too (7A1, 7A1A1); a GP
  practice is a letter and five digits (A81001). Every ODS code holds a letter, so an
  all-digit value (a HES default code) is not one. The format is checked, not the
  register: a trust's new site is accepted, and listed in the batch summary as new.
"""

from __future__ import annotations

import csv
import re
from functools import cache
from pathlib import Path

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
