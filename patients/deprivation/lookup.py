"""Looking up deprivation for postcodes. Never guesses: a postcode that is not in the
reference tables (or whose LSOA has no IMD) gets no decile."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings

from patients.deprivation.models import LSOA_YEAR_FOR_VINTAGE, LsoaDeprivation, PostcodeLsoa
from patients.identifiers import postcode_key
from patients.models import ImdVintage

# Stays under SQLite's limit on query parameters.
LOOKUP_CHUNK = 900


@dataclass(frozen=True)
class Deprivation:
    """A postcode's LSOA and, if the LSOA is ranked in `vintage`, its IMD rank and decile."""

    lsoa_code: str
    vintage: str
    imd_rank: int | None
    imd_decile: int | None


def patient_deprivation(found: Deprivation | None) -> tuple[str, int | None, str]:
    """A patient's (lsoa_code, imd_decile, imd_vintage) from a lookup: the vintage only with a
    decile, and nothing at all for a postcode not found. Unmatched when the decile is None."""
    if found is None:
        return "", None, ""
    return found.lsoa_code, found.imd_decile, found.vintage if found.imd_decile else ""


def current_vintage() -> str | None:
    """The vintage new deciles are derived in: ATTEND_IMD_VINTAGE if set, else the newest loaded."""
    configured = getattr(settings, "ATTEND_IMD_VINTAGE", "")
    if configured:
        return configured
    loaded = set(LsoaDeprivation.objects.values_list("vintage", flat=True).distinct())
    return next((v for v in reversed(ImdVintage.values) if v in loaded), None)


def derive_deprivation(postcodes: Iterable[str], *, vintage: str | None = None) -> dict[str, Deprivation]:
    """Deprivation for each postcode found, keyed by `postcode_key` (so any spacing or case matches).

    Postcodes that are not found are absent from the result; the caller counts them.
    """
    vintage = vintage or current_vintage()
    keys = sorted({key for key in map(postcode_key, postcodes) if key})
    if vintage is None or not keys:
        return {}
    lsoa_year = LSOA_YEAR_FOR_VINTAGE[vintage]
    lsoa_of: dict[str, str] = {}
    for start in range(0, len(keys), LOOKUP_CHUNK):
        lsoa_of.update(
            PostcodeLsoa.objects.filter(postcode_key__in=keys[start : start + LOOKUP_CHUNK], lsoa_year=lsoa_year)
            .values_list("postcode_key", "lsoa_code")
            .iterator()
        )
    lsoas = sorted(set(lsoa_of.values()))
    imd_of: dict[str, tuple[int, int]] = {}
    for start in range(0, len(lsoas), LOOKUP_CHUNK):
        for code, rank, decile in LsoaDeprivation.objects.filter(
            lsoa_code__in=lsoas[start : start + LOOKUP_CHUNK], vintage=vintage
        ).values_list("lsoa_code", "imd_rank", "imd_decile"):
            imd_of[code] = (rank, decile)
    result = {}
    for key, lsoa in lsoa_of.items():
        rank, decile = imd_of.get(lsoa, (None, None))
        result[key] = Deprivation(lsoa_code=lsoa, vintage=vintage, imd_rank=rank, imd_decile=decile)
    return result
