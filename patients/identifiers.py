"""NHS numbers, phone numbers and postcodes as the trust's systems write them, and
as Attend stores them.

Parsing is strict and returns None (or raises ValueError with a reason a person can
act on) rather than guessing: a wrong phone number sends a reminder to a stranger.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import nhs_number
import phonenumbers
from phonenumbers import PhoneNumberType

DEFAULT_PHONE_REGION = "GB"


def normalise_nhs_number(raw: str) -> str:
    """Ten ASCII digits; ValueError, with a reason a person can act on, for a number no nation issued.

    Full-width digits (０-９) become ASCII and spaces and hyphens (any Unicode dash) are removed
    before any check. Refused: not ten digits, a failed Modulus 11 check, all zeros (which passes
    Modulus 11), and a number outside the ranges the nhs-number package records as issued:
    England, Wales and the Isle of Man (400–499 and 600–799 million), Northern Ireland
    (320 000 0000–399 999 9999), Scotland's CHI (010 100 0000–311 299 9999) only when its first
    six digits are a date of birth (DDMMYY), and the 9… numbers PDS keeps for test patients (the
    synthetic trust and NHS England's examples use them).
    """
    text = unicodedata.normalize("NFKC", raw or "")
    digits = _NHS_NUMBER_SEPARATORS.sub("", text)
    if not re.fullmatch(r"[0-9]{10}", digits):
        raise ValueError("an NHS number has 10 digits")
    if digits == "0000000000":
        raise ValueError("an NHS number cannot be all zeros")
    if not any(region.contains_number(digits) for region in _ISSUED_NHS_NUMBER_REGIONS):
        raise ValueError("not in a range any UK nation issues NHS numbers from")
    if nhs_number.REGION_SCOTLAND.contains_number(digits) and not _is_ddmmyy(digits[:6]):
        raise ValueError("a Scottish CHI number starts with a date of birth (DDMMYY); this one does not")
    if not nhs_number.is_valid(digits):  # the package also checks the CHI date, hence the reason above first
        raise ValueError("the NHS number fails its Modulus 11 check digit")
    return digits


# Spaces (NFKC has already made no-break spaces plain), hyphens and the dashes word processors put in.
_NHS_NUMBER_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212]")
_ISSUED_NHS_NUMBER_REGIONS = (
    nhs_number.REGION_ENGLAND_WALES_IOM,
    nhs_number.REGION_SCOTLAND,
    nhs_number.REGION_NORTHERN_IRELAND,
    nhs_number.REGION_SYNTHETIC,
)


def _is_ddmmyy(text: str) -> bool:
    """Whether DDMMYY is a calendar day, read as nhs-number's is_valid reads a CHI number."""
    try:
        datetime.strptime(text, "%d%m%y")  # noqa: DTZ007 (a date, not a moment)
    except ValueError:
        return False
    return True


def format_nhs_number(digits: str) -> str:
    """The 3-3-4 form staff read aloud and recognise: 943 476 5919."""
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}" if len(digits) == 10 else digits


def synthetic_nhs_number(seed_number: int) -> str:
    """A valid NHS number in the 999 range reserved for test data, never issued to a person."""
    for offset in range(11):
        candidate = f"999{(seed_number + offset) % 10_000_000:07d}"[:9]
        check = nhs_number.calculate_checksum(candidate)
        if check is not None and 0 <= int(check) <= 9:
            return f"{candidate}{check}"
    raise AssertionError("unreachable: one of eleven consecutive numbers has a valid check digit")


# Ofcom reserves 07700 900000–900999 for drama and testing: never a real person's phone.
# phonenumbers treats the range as unallocated, so it is recognised here explicitly;
# the synthetic trust uses only these numbers.
OFCOM_DRAMA_MOBILES = re.compile(r"^\+447700900\d{3}$")


class PhoneKind:
    """What a number is, as the patient's record and the call card say it."""

    MOBILE = "mobile"  # can be texted and called
    LANDLINE = "landline"  # a fixed line: called, never texted
    OTHER = "other"  # VoIP, personal (070), 03/08 numbers and the like: called, never texted

    LABELS = {MOBILE: "Mobile", LANDLINE: "Landline", OTHER: "Other number"}


class PhoneNumber:
    """A parsed phone number in E.164, and its kind (only a mobile can receive SMS)."""

    __slots__ = ("e164", "kind")

    def __init__(self, e164: str, kind: str) -> None:
        self.e164 = e164
        self.kind = kind

    @property
    def is_mobile(self) -> bool:
        return self.kind == PhoneKind.MOBILE


_KINDS = {
    PhoneNumberType.MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: PhoneKind.MOBILE,
    PhoneNumberType.FIXED_LINE: PhoneKind.LANDLINE,
}


def parse_phone(raw: str, region: str = DEFAULT_PHONE_REGION) -> PhoneNumber:
    """Any common UK or E.164 form ("07700 900123", "+44 7700 900123", "447700900123")."""
    text = (raw or "").strip()
    if not text:
        raise ValueError("no phone number")
    if re.fullmatch(r"44\d{10}", re.sub(r"\D", "", text)) and not text.startswith(("+", "0")):
        text = "+" + re.sub(r"\D", "", text)
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError(f"not a phone number ({exc})") from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if OFCOM_DRAMA_MOBILES.match(e164):
        return PhoneNumber(e164, PhoneKind.MOBILE)
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("not a valid phone number")
    return PhoneNumber(e164, _KINDS.get(phonenumbers.number_type(parsed), PhoneKind.OTHER))


def phone_kind(e164: str) -> str:
    """The kind of a number Attend stored (E.164); "other" if it no longer parses."""
    try:
        return parse_phone(e164).kind
    except ValueError:
        return PhoneKind.OTHER


def national_format(number: str) -> str:
    """A stored number as people read it aloud in the UK ("07700 900123"); as given if it does not parse."""
    try:
        parsed = phonenumbers.parse(number, DEFAULT_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")


def normalise_postcode(raw: str) -> str:
    """Upper case with one space before the inward code ("ls11uq" → "LS1 1UQ"); ValueError if not a UK postcode."""
    compact = re.sub(r"\s+", "", raw or "").upper()
    match = _POSTCODE.match(compact)
    if not match:
        raise ValueError("not a UK postcode")
    return f"{match.group(1)} {match.group(2)}"


def postcode_key(raw: str) -> str:
    """The postcode with no spaces, upper case: the key reference tables are matched on."""
    return re.sub(r"\s+", "", raw or "").upper()
