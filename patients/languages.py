"""The one table of language names: what a patient's `preferred_language` code reads as.

Codes are BCP 47 primary subtags, as the importers store them: ISO 639-1 where a language
has a two-letter code (en, pl, ur) and ISO 639-3 where it has none, as Sylheti and every
sign language do. The FHIR importer (appointments.importing.fhir_maps) reads SIGN_LANGUAGES
to know which codes mean an interpreter at the appointment; the call card names them here.
"""

from __future__ import annotations

SPOKEN_LANGUAGES: dict[str, str] = {
    "en": "English",
    "pl": "Polish",
    "ur": "Urdu",
    "pa": "Punjabi",
    "bn": "Bengali",
    "syl": "Sylheti",
    "gu": "Gujarati",
    "ro": "Romanian",
    "ar": "Arabic",
    "so": "Somali",
    "pt": "Portuguese",
    "lt": "Lithuanian",
    "tr": "Turkish",
    "fa": "Persian (Farsi)",
    "ku": "Kurdish",
    "ti": "Tigrinya",
    "zh": "Chinese",
    "es": "Spanish",
    "fr": "French",
    "uk": "Ukrainian",
    "ru": "Russian",
}
SIGN_LANGUAGES: dict[str, str] = {
    "bfi": "British Sign Language",
    "isg": "Irish Sign Language",
    "ase": "American Sign Language",
    "asf": "Australian Sign Language (Auslan)",
    "nzs": "New Zealand Sign Language",
    "fsl": "French Sign Language",
    "gsg": "German Sign Language",
    "ssp": "Spanish Sign Language",
    "ise": "Italian Sign Language",
    "psr": "Portuguese Sign Language",
    "pso": "Polish Sign Language",
    "rsl": "Russian Sign Language",
    "dse": "Dutch Sign Language",
    "swl": "Swedish Sign Language",
    "dsl": "Danish Sign Language",
    "nsl": "Norwegian Sign Language",
    "gss": "Greek Sign Language",
    "tsm": "Turkish Sign Language",
    "ins": "Indian Sign Language",
    "pks": "Pakistan Sign Language",
    "csl": "Chinese Sign Language",
    "jsl": "Japanese Sign Language",
    "bzs": "Brazilian Sign Language",
    "mfs": "Mexican Sign Language",
    "sfs": "South African Sign Language",
    "sgn": "a sign language (not named)",
}
LANGUAGE_NAMES: dict[str, str] = SPOKEN_LANGUAGES | SIGN_LANGUAGES


def language_name(code: str) -> str:
    """The language's name for a page; an unknown code is shown as it is, a blank one as "Not known"."""
    name = LANGUAGE_NAMES.get((code or "").lower())
    return name[:1].upper() + name[1:] if name else code or "Not known"


def language_choices() -> list[tuple[str, str]]:
    """Every language as (code, name) for a list people read: English first, then by name."""
    named = sorted(((code, language_name(code)) for code in LANGUAGE_NAMES if code != "en"), key=lambda c: c[1])
    return [("en", language_name("en")), *named]


def _names_to_codes() -> dict[str, str]:
    """What a person may type for each language: its code, its name, and a name's parts either side
    of brackets ("Persian", "Farsi"; "Auslan"), all compared without case."""
    typed: dict[str, str] = {}
    for code, name in LANGUAGE_NAMES.items():
        outside, _, inside = name.partition(" (")
        for text in (name, outside, inside.rstrip(")") if inside[:1].isupper() else ""):
            if text:
                typed.setdefault(text.casefold(), code)
    return {**typed, **{code: code for code in LANGUAGE_NAMES}}


NAMES_TO_CODES: dict[str, str] = _names_to_codes()


def language_code(typed: str) -> str | None:
    """The code for a language typed as its name or its code (any case, spaces trimmed); None if not in the list."""
    return NAMES_TO_CODES.get(" ".join((typed or "").split()).casefold())
