"""One extract row → the values to write, or the reasons it cannot be taken.

A row with an *error* is skipped (unparseable date, unknown code,
a treatment function code not in the NHS Data Dictionary, a site code not in the ODS
format, missing id, an id a spreadsheet would run as a formula, an appointment_id an
earlier row of the extract already gave). A *warning* keeps the row but ignores one value that cannot be trusted
(a phone or postcode that does not parse, an NHS number that fails its check or that no
nation issues): the appointment still matters more than the contact detail. Every
problem carries its column, the value and a reason a person at the trust can act on.

Before any check, the mapping or layout is applied: values that mean "not given" (`&`)
become blank, refused codes (not an appointment) reject the row, value maps translate
national codes, and derived columns are filled. Every rule that fires is counted
(`RowValidator.rules`), so the batch summary can say "SEX 9 → X (not specified): 120 rows".

A date without a time is the day with the time not given (local midnight, flagged);
an age at the appointment stands in for a date of birth (never turned into one); with
no booking date the lead time is unknown, or comes from waiting days when given.

Patients repeat across rows (several appointments each) and date-times repeat
(clinic slots), so their parsing is cached: the importer's speed depends on it.

An appointment appears once in an extract. One RowValidator reads one extract and
remembers the line each appointment_id was first given at: a later row with the same
id is skipped and reported ("already given at line N"), whether or not the first row
could be taken. So the first row is the appointment, as a person reading the file
top-down expects, the result does not depend on where chunks fall, and fixing the first
row is all it takes to import it. Remembering costs about 120 MB per million rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple

from django.utils import timezone

from appointments.importing.columns import (
    DEFAULT_MAX_LENGTH,
    IDENTIFIER_COLUMNS,
    MAX_LENGTH,
    ODS_SITE_FORMAT,
    is_ods_site_code,
    is_treatment_function,
)
from appointments.importing.mapping import AppliedRules, Mapping
from appointments.models import AppointmentType, AttendanceCode, Medium
from config.localtime import local_zone
from config.spreadsheets import FORMULA_STARTS, formula_start
from patients.identifiers import PhoneKind, normalise_nhs_number, normalise_postcode, parse_phone
from patients.models import CommunicationNeed, EthnicCategory, Sex


class RowError(NamedTuple):
    line: int
    column: str
    value: str
    reason: str
    severity: str = "error"


@dataclass(slots=True, frozen=True)
class PatientValues:
    hospital_number: str
    nhs_number: str
    date_of_birth: date | None  # None when the extract gives age at the appointment instead
    sex: str
    ethnic_category: str
    postcode: str
    lsoa: str  # the extract's LSOA, used for the decile when there is no postcode
    mobile: str  # the number texts go to: a mobile, or ""
    other_phone: str  # a number to call that is not for texts (a landline, a second mobile), or ""
    preferred_language: str
    interpreter_required: bool
    given_name: str
    family_name: str
    communication_needs: str = ""  # CommunicationNeed codes, sorted and comma-separated
    deceased: bool = False
    date_of_death: date | None = None  # None: alive, or deceased with the date not known
    contact_name: str = ""  # a parent, carer or other person to contact for the patient
    contact_phone: str = ""  # their number (E.164)
    contact_relationship: str = ""
    address_line_1: str = ""  # the postal address for letters, as the extract gives it
    address_line_2: str = ""
    address_line_3: str = ""
    address_line_4: str = ""
    address_line_5: str = ""
    address_line_6: str = ""


@dataclass(slots=True, frozen=True)
class AppointmentValues:
    pas_id: str
    hospital_number: str
    site_code: str
    clinic_code: str
    specialty_code: str
    starts_at: datetime
    booked_at: datetime | None  # None: lead time unknown
    appointment_type: str
    medium: str
    attendance_code: int
    start_time_known: bool = True
    age_at_appointment: int | None = None


ATTENDANCE_CODES = {"": AttendanceCode.NOT_YET_KNOWN.value} | {str(code.value): code.value for code in AttendanceCode}
APPOINTMENT_TYPES = {value: value for value in AppointmentType.values}
MEDIUMS = {"": Medium.FACE_TO_FACE.value} | {value: value for value in Medium.values}
SEXES = {"": Sex.UNKNOWN.value} | {value: value for value in Sex.values}
YES_NO = {"": False, "N": False, "Y": True}
ETHNIC_CODES = frozenset(EthnicCategory.values)
COMMUNICATION_NEEDS = tuple(CommunicationNeed.values)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?$")
_TREATMENT_FUNCTION = re.compile(r"^\d{3}$")
# ISO 639-1 (en, pl, ur), or ISO 639-3 for a language with no two-letter code: every sign
# language (bfi, British Sign Language), Sylheti (syl). BCP 47, which FHIR uses, does the same.
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
# England's (E01) and Wales's (W01) LSOA codes, 2011 and 2021 alike.
_LSOA = re.compile(r"^[EW]01\d{6}$")
# Whole years; HES writes them as decimals ("54.0").
_AGE = re.compile(r"^\d{1,3}(\.0+)?$")
_WAITING_DAYS = re.compile(r"^\d{1,5}$")
OLDEST_AGE = 130
CONFLICTING_DETAIL = (
    "an earlier row of this extract gives this patient (the same patient_id) a different {what}: the row is "
    "kept and the last row's value stored; check the patient's record in the PAS"
)
_CACHE_LIMIT = 200_000
# Columns whose pattern bounds their length, so the quick length check can leave them out.
_PATTERNED = ("site_code", "specialty_code", "lsoa")
SHORTEST_LIMIT = min(limit for column, limit in MAX_LENGTH.items() if column not in _PATTERNED)

# Problems without a line number: cached per distinct value, given a line per row.
Problem = tuple[str, str, str, str]  # column, value, reason, severity

# The columns that describe the patient, in the order `RowValidator._patient` unpacks them.
PATIENT_KEY_COLUMNS = (
    "patient_id", "nhs_number", "date_of_birth", "sex", "ethnicity", "postcode", "lsoa", "phone", "landline",
    "other_phone", "language", "interpreter_required", "given_name", "family_name", "communication_needs",
    "date_of_death", "contact_name", "contact_phone", "contact_relationship",
    *(f"address_line_{line}" for line in range(1, 7)),
)  # fmt: skip
_BLANKS = ("",) * len(PATIENT_KEY_COLUMNS)
# Identifier columns checked with the codes, once per distinct value (patient_id: with the patient;
# appointment_id: every row, as each row has its own).
_CODE_IDENTIFIERS = tuple(column for column in IDENTIFIER_COLUMNS if column not in ("appointment_id", "patient_id"))


def _numbers(given: Iterable[tuple[str, str]], warning: Callable[[str, str, str], None]) -> tuple[str, str]:
    """(mobile, other number) from the row's phone columns, in any order: texts go to the first
    mobile, calls to either. A number that does not parse, or a third, is a warning and not kept."""
    mobile = other = ""
    for column, raw in given:
        e164, kind, reason = _phone(raw)
        if reason:
            warning(column, raw, f"{reason}; number not kept")
        elif e164 in (mobile, other):
            continue
        elif kind == PhoneKind.MOBILE and not mobile:
            mobile = e164
        elif not other:
            other = e164
        else:
            warning(column, raw, "a second number that is not for texts: Attend keeps one, the first given")
    return mobile, other


def _contact_phone(raw: str, warning: Callable[[str, str, str], None]) -> str:
    """The contact's number in E.164. One that does not parse is a warning and not kept; one that is
    not a mobile is kept for calls, with a warning that no text can go to it (a child is then sent none)."""
    e164, kind, reason = _phone(raw)
    if reason:
        warning("contact_phone", raw, f"{reason}; number not kept")
    elif kind != PhoneKind.MOBILE:
        warning("contact_phone", raw, "not a mobile: kept for calls, but no text can go to it (a child's "
                "reminders are then not sent)")  # fmt: skip
    return e164


def _communication_needs(text: str, warning: Callable[[str, str, str], None]) -> str:
    """Accessible-information need codes separated by commas, semicolons or spaces; an unknown code
    is a warning and left out, the others kept."""
    codes = [code.strip().lower() for code in re.split(r"[,;|\s]+", text) if code.strip()]
    known = [code for code in codes if code in COMMUNICATION_NEEDS]
    if len(known) < len(codes):
        unknown = sorted(set(codes) - set(known))
        warning("communication_needs", text, f"not an accessible-information need: {', '.join(unknown)} (the needs "
                f"are {', '.join(COMMUNICATION_NEEDS)}); left out, the others kept")  # fmt: skip
    return CommunicationNeed.joined(known)


def formula_reason(text: str) -> str | None:
    """Why an id cannot be taken as it is, if a spreadsheet would run it as a formula."""
    what = formula_start(text)
    if what is None:
        return None
    return f"starts with {what}, which spreadsheets run as a formula: an id may not start with = + - @"


@lru_cache(maxsize=_CACHE_LIMIT)
def _phone(raw: str) -> tuple[str, str, str | None]:
    """(E.164, kind, None) for a number, or ("", "", the reason it cannot be used)."""
    try:
        phone = parse_phone(raw)
    except ValueError as exc:
        return "", "", str(exc)
    return phone.e164, phone.kind, None


class RowValidator:
    def __init__(self, mapping: Mapping) -> None:
        self.mapping = mapping
        self.zone = local_zone()
        self._patients: dict[tuple[str, ...], tuple[PatientValues | None, list[Problem]]] = {}
        self._first_lines: dict[str, int] = {}  # appointment_id → the line it was first given at
        # hospital number → (date of birth, sex, NHS number) as the extract first gave them
        self._identities: dict[str, tuple[date | None, str, str]] = {}
        self._moments: dict[str, tuple[datetime | None, bool]] = {}
        self._code_checks: dict[tuple[str, ...], tuple[str, tuple[tuple[str, str], ...]]] = {}
        self.rules = AppliedRules(mapping)

    # --- field parsers -------------------------------------------------------------
    def parse_date(self, text: str) -> date | None:
        try:
            if self.mapping.date_format:
                return datetime.strptime(text, self.mapping.date_format).date()  # noqa: DTZ007 (a date)
            return date.fromisoformat(text) if _ISO_DATE.match(text) else None
        except ValueError:
            return None

    def parse_datetime(self, text: str) -> datetime | None:
        """ISO 8601 date and time (a date alone is not enough); local time if no offset.
        Not cached: `parse_moment`, which rows are read with, caches what this gives."""
        try:
            if self.mapping.datetime_format:
                parsed = datetime.strptime(text, self.mapping.datetime_format)  # noqa: DTZ007 (made aware below)
            else:
                parsed = datetime.fromisoformat(text) if _ISO_DATETIME.match(text) else None
        except ValueError:
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=self.zone)
        return parsed

    def parse_moment(self, text: str) -> tuple[datetime | None, bool]:
        """(when, whether the time was given): a date and time as `parse_datetime`, or a date alone
        as that day's local midnight with the time not given."""
        found = self._moments.get(text)
        if found is None:
            parsed = self.parse_datetime(text)
            if parsed is not None:
                found = parsed, True
            else:
                day = self.parse_date(text)
                found = (None if day is None else datetime.combine(day, time(), tzinfo=self.zone)), False
            if len(self._moments) > _CACHE_LIMIT:
                self._moments.clear()
            self._moments[text] = found
        return found

    # --- patients ----------------------------------------------------------------------
    def _patient(self, key: tuple[str, ...]) -> tuple[PatientValues | None, list[Problem]]:
        (hospital_number, nhs, born, sex, ethnicity, postcode, lsoa, phone, landline, other_phone, language,
         interpreter, given, family, needs, died, contact_name, contact_phone, relationship,
         *address) = key  # fmt: skip
        problems: list[Problem] = []

        def error(column: str, value: str, reason: str) -> None:
            problems.append((column, value, reason, "error"))

        def warning(column: str, value: str, reason: str) -> None:
            problems.append((column, value, reason, "warning"))

        if not hospital_number:
            error("patient_id", "", "missing: every row needs the patient's local hospital number")
        elif reason := formula_reason(hospital_number):
            error("patient_id", hospital_number, reason)
        if nhs:
            try:
                nhs = normalise_nhs_number(nhs)
            except ValueError as exc:  # patients are matched on the hospital number: the row still counts
                warning("nhs_number", nhs, f"{exc}; number dropped, appointment kept")
                nhs = ""
        date_of_birth = self.parse_date(born) if born else None  # blank: the row must give an age (validate)
        if born and date_of_birth is None:
            error("date_of_birth", born, "not a date in the form YYYY-MM-DD" if not self.mapping.date_format else
                  f"not a date in the form {self.mapping.date_format}")  # fmt: skip
        elif date_of_birth is not None and date_of_birth < date(1880, 1, 1):
            error("date_of_birth", born, "a date of birth cannot be before 1880")
        sex_code = SEXES.get(sex.upper())
        if sex_code is None:
            error("sex", sex, "must be F, M, X or U")
        wants_interpreter = YES_NO.get(interpreter.upper())
        if wants_interpreter is None:
            error("interpreter_required", interpreter, "must be Y or N")
        ethnic = ethnicity.upper()
        if ethnic and ethnic not in ETHNIC_CODES:
            warning("ethnicity", ethnicity, "not an NHS ethnic category code (A–Z or 99); left blank")
            ethnic = ""
        normalised_postcode = ""
        if postcode:
            try:
                normalised_postcode = normalise_postcode(postcode)
            except ValueError:
                warning("postcode", postcode, "not a UK postcode; left blank, so no IMD decile")
        lsoa_code = lsoa.upper()
        if lsoa_code and not _LSOA.match(lsoa_code):
            warning("lsoa", lsoa, "not an LSOA code (E01 or W01 and six digits); left blank, so no IMD decile")
            lsoa_code = ""
        given_numbers = (("phone", phone), ("landline", landline), ("other_phone", other_phone))
        mobile, other = _numbers(((column, raw) for column, raw in given_numbers if raw), warning)
        communication_needs = _communication_needs(needs, warning) if needs else ""
        deceased, date_of_death = self._death(died, date_of_birth, warning) if died else (False, None)
        contact_e164 = _contact_phone(contact_phone, warning) if contact_phone else ""
        lang = language.lower() or "en"
        if not _LANGUAGE.match(lang):
            warning("language", language, "not a language code (ISO 639-1 such as en, pl, ur, or ISO 639-3 "
                    "such as bfi); English assumed")  # fmt: skip
            lang = "en"
        if any(severity == "error" for *_, severity in problems):
            return None, problems
        return (
            PatientValues(
                hospital_number=hospital_number,
                nhs_number=nhs,
                date_of_birth=date_of_birth,
                sex=sex_code,
                ethnic_category=ethnic,
                postcode=normalised_postcode,
                lsoa=lsoa_code,
                mobile=mobile,
                other_phone=other,
                preferred_language=lang,
                interpreter_required=wants_interpreter,
                given_name=given,
                family_name=family,
                communication_needs=communication_needs,
                deceased=deceased,
                date_of_death=date_of_death,
                contact_name=contact_name,
                contact_phone=contact_e164,
                contact_relationship=relationship,
                address_line_1=address[0],
                address_line_2=address[1],
                address_line_3=address[2],
                address_line_4=address[3],
                address_line_5=address[4],
                address_line_6=address[5],
            ),
            problems,
        )

    def _death(
        self, text: str, born: date | None, warning: Callable[[str, str, str], None]
    ) -> tuple[bool, date | None]:
        """(deceased, date of death) from the date_of_death column: a date, Y (died, date not
        known) or N. A value that cannot be trusted (not a date, before the birth, in the future)
        is a warning and the patient is treated as deceased: nothing is sent until the PAS is put right."""
        flag = YES_NO.get(text.upper())
        if flag is not None:
            return flag, None
        died = self.parse_date(text)
        if died is None:
            problem = "not a date (YYYY-MM-DD), Y or N"
        elif born is not None and died < born:
            problem = f"before the date of birth ({born:%Y-%m-%d})"
        elif died > timezone.localdate():
            problem = "in the future"
        else:
            return True, died
        warning("date_of_death", text, f"{problem}: the patient is treated as deceased (no texts, letters or "
                "calls) until the PAS gives a date that can be trusted")  # fmt: skip
        return True, None

    def patient(self, values: dict[str, str]) -> tuple[PatientValues | None, list[Problem]]:
        key = tuple(map(values.get, PATIENT_KEY_COLUMNS, _BLANKS))  # each column's text, "" when absent
        found = self._patients.get(key)
        if found is None:
            if len(self._patients) > _CACHE_LIMIT:
                self._patients.clear()
            found = self._patients[key] = self._patient(key)
        return found

    def _disagreements(self, line: int, patient: PatientValues, values: dict[str, str]) -> list[RowError]:
        """Warnings for a patient this extract already described differently (two dates of birth for
        one hospital number): the row is kept, the last row's value is stored; the PAS needs checking."""
        identity = (patient.date_of_birth, patient.sex, patient.nhs_number)
        first = self._identities.setdefault(patient.hospital_number, identity)
        if first == identity:
            return []
        return [
            RowError(line, column, values.get(column, ""), CONFLICTING_DETAIL.format(what=what), "warning")
            for column, what, before, now in zip(
                ("date_of_birth", "sex", "nhs_number"),
                ("date of birth", "sex", "NHS number"),
                first,
                identity,
                strict=True,
            )
            if before != now
        ]

    # --- the row -----------------------------------------------------------------------
    def validate(
        self, line: int, raw: dict[str, str]
    ) -> tuple[AppointmentValues | None, PatientValues | None, list[RowError]]:
        values = dict(zip(raw, map(str.strip, raw.values()), strict=True))
        refusal = self.rules.apply(values) if self.rules.active else None
        if repeated := self._repeated(line, values.get("appointment_id", "")):
            return None, None, [repeated]
        if refusal:
            return None, None, [RowError(line, *refusal)]
        # Site and specialty codes have patterns that bound their length; every other
        # limit is at least SHORTEST_LIMIT, so most rows need no per-column check.
        if max(map(len, values.values())) > SHORTEST_LIMIT:
            errors = [
                RowError(
                    line, column, text[:200], f"longer than {MAX_LENGTH.get(column, DEFAULT_MAX_LENGTH)} characters"
                )
                for column, text in values.items()
                if len(text) > MAX_LENGTH.get(column, DEFAULT_MAX_LENGTH)
            ]
            if errors:
                return None, None, errors
        if "\x00" in "".join(values.values()):  # one search of the row, then which columns
            return None, None, [RowError(line, column, "", "contains a NUL character (the file is damaged here)")
                                for column, text in values.items() if "\x00" in text]  # fmt: skip
        patient, problems = self.patient(values)
        errors = [RowError(line, *problem) for problem in problems] if problems else []
        if patient is not None:
            errors += self._disagreements(line, patient, values)

        def error(column: str, reason: str) -> None:
            errors.append(RowError(line, column, values.get(column, ""), reason))

        pas_id = values["appointment_id"]
        if not pas_id:
            error("appointment_id", "missing: every row needs the PAS appointment id")
        elif pas_id.startswith(FORMULA_STARTS) and (reason := formula_reason(pas_id)):
            error("appointment_id", reason)
        site_code, code_problems = self._codes(values)
        for column, reason in code_problems:
            error(column, reason)
        clinic_code, specialty_code = values["clinic_code"], values["specialty_code"]
        starts_at, time_known = self.parse_moment(values["appointment_start"])
        if starts_at is None:
            error("appointment_start", self._datetime_hint())
        elif not time_known:
            self.rules.fired[f"{self.rules.header('appointment_start')} date only → time not given"] += 1
        booked_at = self._booked_at(values, starts_at, errors, line)
        age = self._age(values.get("age", ""))
        if age is not None and not isinstance(age, int):
            error("age", age)
            age = None
        appointment_type = APPOINTMENT_TYPES.get(values["appointment_type"].lower())
        if appointment_type is None:
            error("appointment_type", "must be first or follow_up")
        medium = MEDIUMS.get(values.get("medium", "").lower())
        if medium is None:
            error("medium", "must be face_to_face, telephone or video")
        attendance_code = ATTENDANCE_CODES.get(values["attendance_code"])
        if attendance_code is None:
            error("attendance_code", "not an NHS attendance code (5, 6, 7, 3, 2, 4, or blank while in the future)")
        local_day = starts_at.astimezone(self.zone).date() if starts_at is not None else None
        if patient is not None and patient.date_of_birth is None and age is None:
            if "date_of_birth" in values:  # a PAS extract: every patient has one
                error("date_of_birth", "missing: every row needs a date of birth, or an age at the appointment")
            else:  # an analytic extract of ages: the appointment still counts, in no age band
                errors.append(RowError(line, "age", "", "not given; the appointment has no age band", "warning"))
        born = patient.date_of_birth if patient is not None else None
        if born is not None and local_day is not None and born > local_day:
            # Compared with the appointment, not the day of import: an extract from an earlier
            # year has the same impossible rows whenever it is loaded.
            error("date_of_birth", f"a date of birth cannot be after the appointment ({local_day:%Y-%m-%d})")
        if patient is None or (errors and any(e.severity == "error" for e in errors)):
            return None, None, errors
        appointment = AppointmentValues(
            pas_id=pas_id,
            hospital_number=patient.hospital_number,
            site_code=site_code,
            clinic_code=clinic_code,
            specialty_code=specialty_code,
            starts_at=starts_at,
            booked_at=booked_at,
            appointment_type=appointment_type,
            medium=medium,
            attendance_code=attendance_code,
            start_time_known=time_known,
            age_at_appointment=age,
        )
        return appointment, patient, errors

    def _codes(self, values: dict[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
        """(the site code, upper case; the (column, reason) of each problem with the row's identifiers
        other than its appointment_id and patient_id, and with its site, clinic and specialty codes),
        cached: a file names few clinics."""
        key = (values["site_code"], values["specialty_code"], *(values[column] for column in _CODE_IDENTIFIERS))
        found = self._code_checks.get(key)
        if found is not None:
            return found
        problems = []
        for column in _CODE_IDENTIFIERS:
            if reason := formula_reason(values[column]):
                problems.append((column, reason))
        site_code = values["site_code"].upper()
        if not is_ods_site_code(site_code):
            problems.append(("site_code", f"not an ODS site code ({ODS_SITE_FORMAT})"))
        if not values["clinic_code"] and "clinic_code" not in self.mapping.derives:  # derived: its inputs say why
            problems.append(("clinic_code", "missing"))
        specialty_code = values["specialty_code"]
        if not specialty_code:
            problems.append(("specialty_code", "missing: every row needs a treatment function code"))
        elif not _TREATMENT_FUNCTION.match(specialty_code):
            problems.append(("specialty_code", "not a treatment function code (three digits)"))
        elif not is_treatment_function(specialty_code):
            problems.append(("specialty_code", "not a treatment function code in the NHS Data Dictionary's list"))
        if len(self._code_checks) > _CACHE_LIMIT:
            self._code_checks.clear()
        found = self._code_checks[key] = site_code, tuple(problems)
        return found

    def _age(self, text: str) -> int | str | None:
        """The age at the appointment in whole years, None when not given, else why it cannot be read."""
        if not text:
            return None
        if not _AGE.match(text) or int(float(text)) > OLDEST_AGE:
            return f"not an age in whole years (0 to {OLDEST_AGE})"
        return int(float(text))

    def _booked_at(
        self, values: dict[str, str], starts_at: datetime | None, errors: list[RowError], line: int
    ) -> datetime | None:
        """When it was booked: the booked_at column, else the appointment's day less the waiting days,
        else unknown. A booking after the appointment's day is a warning: lead time left unknown."""
        text = values.get("booked_at", "")
        if text:
            booked_at, _ = self.parse_moment(text)
            if booked_at is None:
                errors.append(RowError(line, "booked_at", text, self._datetime_hint()))
                return None
        elif (waiting := values.get("waiting_days", "")) and starts_at is not None:
            if not _WAITING_DAYS.match(waiting):
                errors.append(RowError(line, "waiting_days", waiting, "not a whole number of days; lead time left "
                                       "unknown", "warning"))  # fmt: skip
                return None
            day = starts_at.astimezone(self.zone).date() - timedelta(days=int(waiting))
            booked_at = datetime.combine(day, time(), tzinfo=self.zone)
            self.rules.fired[f"booked_at ← appointment day − {self.rules.header('waiting_days')} days"] += 1
        else:
            return None
        if starts_at is not None and booked_at.astimezone(self.zone).date() > starts_at.astimezone(self.zone).date():
            errors.append(RowError(line, "booked_at", text or values.get("waiting_days", ""),
                                   "after the appointment's day; lead time left unknown", "warning"))  # fmt: skip
            return None
        return booked_at

    def given_earlier(self, first_lines: dict[str, int]) -> None:
        """Ids given at these lines by rows this validator is not shown (a re-import left them
        alone as unchanged): a later row with one of them is still a repeat."""
        self._first_lines.update(first_lines)

    def _repeated(self, line: int, pas_id: str) -> RowError | None:
        """The error for a row whose appointment_id an earlier row gave; else remembers this line.
        An id too long to be one is not remembered (its row is refused for its length)."""
        if not pas_id or len(pas_id) > MAX_LENGTH["appointment_id"]:
            return None
        first = self._first_lines.setdefault(pas_id, line)
        if first == line:
            return None
        return RowError(
            line, "appointment_id", pas_id,
            f"already given at line {first}: an extract gives each appointment once, so later rows for it are skipped",
        )  # fmt: skip

    def _datetime_hint(self) -> str:
        if self.mapping.datetime_format:
            return f"not a date and time in the form {self.mapping.datetime_format}"
        return "not an ISO 8601 date and time (YYYY-MM-DDTHH:MM, optional seconds and offset) or date (YYYY-MM-DD)"
