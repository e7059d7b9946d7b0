"""The built-in extract layouts, chosen with `import_appointments FILE --layout NAME`.

- `attend`: shared/DESIGN.md's columns, as they are (the default).
- `cds-outpatient`: the SUS / HES outpatient field names and national codes, as trusts'
  analysts hold them and as NHS England publishes its artificial HES outpatient data.

A layout is a `Mapping` (headers, value maps, date formats) plus what a mapping file
cannot say: what each national code means (so the batch summary names every rule that
fired, e.g. "SEX 9 → X (not specified: indeterminate): 12 rows"), the value that means
"not given" (`&` in HES), codes that are not appointments at all, and columns made from
others (HES has no clinic code).

A file whose headers belong to another layout is refused before any row, naming the
layout it looks like (`looks_like`).
"""

from __future__ import annotations

from appointments.importing.files import ExtractRefused
from appointments.importing.mapping import Mapping

# NHS England's HES files mark a value that was not given with an ampersand.
HES_MISSING = "&"

# Attend column → HES field (alternatives: the first the file has is read).
CDS_OUTPATIENT_COLUMNS: dict[str, str | tuple[str, ...]] = {
    "appointment_id": "ATTENDKEY",
    "patient_id": "PSEUDO_HESID",
    "age": "APPTAGE",
    "sex": "SEX",
    "ethnicity": "ETHNOS",
    "lsoa": ("LSOA11", "LSOA21"),
    "site_code": "SITETRET",
    "specialty_code": "TRETSPEF",
    "appointment_start": "APPTDATE",
    "booked_at": ("REQDATE", "REFREQDATE"),
    "waiting_days": ("WAITING", "WAITDAYS"),
    "appointment_type": "FIRSTATT",
    "medium": "FIRSTATT",
    "attendance_code": "ATTENDED",
}

# Attend column → {national code: (Attend value, what the code means)}.
_UNDER_ONE = {f"700{n}": ("0", "under one year (HES age code 7001–7007)") for n in range(1, 8)}
CDS_OUTPATIENT_CODES: dict[str, dict[str, tuple[str, str]]] = {
    "attendance_code": {  # ATTENDED OR DID NOT ATTEND
        "5": ("5", "attended on time, or before the patient was called"),
        "6": ("6", "arrived late, but was seen"),
        "7": ("7", "arrived late and could not be seen: a DNA"),
        "3": ("3", "did not attend, no advance warning given"),
        "2": ("2", "cancelled by, or on behalf of, the patient"),
        "4": ("4", "cancelled or postponed by the health care provider"),
        "0": ("", "not applicable: the appointment is in the future"),
        "9": ("", "not known: outcome left unknown"),
    },
    "appointment_type": {  # FIRST ATTENDANCE
        "1": ("first", "first attendance face to face"),
        "2": ("follow_up", "follow-up attendance face to face"),
        "3": ("first", "first telephone or telemedicine consultation"),
        "4": ("follow_up", "follow-up telephone or telemedicine consultation"),
    },
    "medium": {  # the same FIRST ATTENDANCE field: its codes also say how the consultation was held
        "1": ("face_to_face", "face to face"),
        "2": ("face_to_face", "face to face"),
        "3": ("telephone", "telephone or telemedicine, recorded as telephone"),
        "4": ("telephone", "telephone or telemedicine, recorded as telephone"),
    },
    "sex": {  # PERSON GENDER CODE
        "1": ("M", "male"),
        "2": ("F", "female"),
        "9": ("X", "not specified: indeterminate"),
        "0": ("U", "not known: not recorded"),
    },
    "ethnicity": {  # ETHNIC CATEGORY; A–S and Z are Attend's codes already
        "X": ("99", "not known, the code before 2013"),
        "99": ("99", "not known"),
    },
    "age": _UNDER_ONE | {f"{code}.0": rule for code, rule in _UNDER_ONE.items()},
    "booked_at": {
        "1800-01-01": ("", "HES's 'date not given'"),
        "1801-01-01": ("", "HES's 'date not valid'"),
    },
}
CDS_OUTPATIENT_REFUSED: dict[str, dict[str, str]] = {
    "appointment_type": {
        "5": "FIRSTATT 5 is a referral to treatment clock stop administrative event, not an appointment",
    },
}


def _cds_clinic(values: dict[str, str]) -> list[str]:
    """HES has no clinic code: the clinic is the treatment function at the site (stable across
    extracts, so a re-import finds the same clinic)."""
    site, specialty = values.get("site_code", ""), values.get("specialty_code", "")
    if values.get("clinic_code") or not site or not specialty:
        return []
    values["clinic_code"] = f"{site.upper()}-{specialty}"
    return ["clinic_code ← SITETRET-TRETSPEF (HES has no clinic code)"]


_CODES = tuple(CDS_OUTPATIENT_CODES.items())
ATTEND = Mapping(name="attend")
CDS_OUTPATIENT = Mapping(
    name="cds-outpatient",
    columns=CDS_OUTPATIENT_COLUMNS,
    values={column: {code: to for code, (to, _) in table.items()} for column, table in _CODES},
    meanings={column: {code: why for code, (_, why) in table.items()} for column, table in _CODES},
    missing=frozenset({HES_MISSING}),
    refused=CDS_OUTPATIENT_REFUSED,
    derives=("clinic_code",),
    derive=_cds_clinic,
)
LAYOUTS: dict[str, Mapping] = {layout.name: layout for layout in (ATTEND, CDS_OUTPATIENT)}

# Headers that only a file in the layout has (compared case-insensitively).
_SIGNATURES: dict[str, frozenset[str]] = {
    "attend": frozenset({"appointment_id", "patient_id", "appointment_start", "attendance_code"}),
    "cds-outpatient": frozenset({"attendkey", "apptdate", "attended", "tretspef"}),
}


def layout_named(name: str) -> Mapping:
    """The built-in layout called `name`; ExtractRefused naming the layouts there are."""
    try:
        return LAYOUTS[name]
    except KeyError:
        raise ExtractRefused(f"There is no layout {name!r}: the layouts are {', '.join(LAYOUTS)}.") from None


def looks_like(headers: list[str], *, besides: str = "") -> str | None:
    """The built-in layout (other than `besides`) whose tell-tale headers the file has, if any."""
    names = {header.strip().lower() for header in headers}
    return next((name for name, wanted in _SIGNATURES.items() if name != besides and wanted <= names), None)
