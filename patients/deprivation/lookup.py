"""The deprivation rule, in one place: postcode → LSOA → IMD decile, in Python and in SQL.

A postcode's LSOA is looked up in the boundaries its IMD vintage ranks (2011 LSOAs for
IMD 2019, 2021 for IMD 2025), and the LSOA's decile in that vintage. The rule never
guesses: a postcode that is not in the reference tables, or whose LSOA has no IMD, gets
no decile, and a patient gets a vintage only with a decile.

An extract may give the LSOA itself instead of a postcode (HES gives LSOA11). Then that
LSOA is the patient's, unless a postcode found in the directory gives one, and its decile
is looked up in the same vintage. An LSOA unchanged between 2011 and 2021 kept its code,
so it is ranked by either vintage; a code the vintage's boundaries do not have (a 2011
LSOA split or merged in 2021) gets no decile, never one borrowed from another vintage.

Two twins implement it, side by side so a change to one is a change to the other:

- `derive_deprivation` (+ `derive_lsoa_deprivation` for given LSOAs) + `patient_deprivation`
  (Python, through the ORM): the importer's portable writer, the refresh after new
  reference files, the demo loader.
- `deprivation_join` (SQL): the same rule as LEFT JOINs and column expressions, for the
  PostgreSQL importer's set-based INSERT … SELECT, with the given LSOA when there is one.

tests/patients/test_deprivation_engines.py runs both on the same reference data.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

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
    configured = settings.ATTEND_IMD_VINTAGE
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


def derive_lsoa_deprivation(lsoas: Iterable[str], *, vintage: str | None = None) -> dict[str, Deprivation]:
    """Deprivation for LSOA codes an extract gives directly: every code is in the result, with
    its rank and decile when `vintage` ranks it (and none when it does not, or nothing is loaded)."""
    vintage = vintage or current_vintage()
    codes = sorted({code for code in lsoas if code})
    imd_of: dict[str, tuple[int, int]] = {}
    for start in range(0, len(codes), LOOKUP_CHUNK) if vintage else ():
        for code, rank, decile in LsoaDeprivation.objects.filter(
            lsoa_code__in=codes[start : start + LOOKUP_CHUNK], vintage=vintage
        ).values_list("lsoa_code", "imd_rank", "imd_decile"):
            imd_of[code] = (rank, decile)
    return {
        code: Deprivation(lsoa_code=code, vintage=vintage or "", imd_rank=imd_of.get(code, (None, None))[0],
                          imd_decile=imd_of.get(code, (None, None))[1])
        for code in codes
    }  # fmt: skip


@dataclass(frozen=True)
class DeprivationJoin:
    """The SQL twin of `derive_deprivation` + `patient_deprivation`, to splice into a query.

    `joins` goes after the FROM item holding the postcode key; `lsoa_code`, `imd_decile`
    and `imd_vintage` are the patient's three columns as SQL expressions over those joins
    (the same values `patient_deprivation` gives); `params` are the named parameters
    (`%(name)s`) they use, for the caller to pass with its own.
    """

    joins: str
    lsoa_code: str
    imd_decile: str
    imd_vintage: str
    params: dict[str, object]


def deprivation_join(*, postcode_key: str, vintage: str | None, lsoa: str | None = None) -> DeprivationJoin:
    """The rule over rows whose postcode key (`postcode_key`, an SQL expression of a column
    holding `identifiers.postcode_key` of the postcode) is already in the query; `lsoa`, if
    given, is an SQL expression of the LSOA the row gives itself ('' when none), used when
    the postcode is not found.

    `vintage` is the one to derive in (the caller's `current_vintage()`); None (nothing
    loaded) matches nothing, as `derive_deprivation` finds nothing. Table and column names
    come from the models, so the caller never names the reference tables itself.
    """
    quote = connection.ops.quote_name

    def column(model: type, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    postcodes, deprivation = quote(PostcodeLsoa._meta.db_table), quote(LsoaDeprivation._meta.db_table)
    lsoa_of_postcode = f"dep_pl.{column(PostcodeLsoa, 'lsoa_code')}"
    lsoa = f"COALESCE({lsoa_of_postcode}, NULLIF({lsoa}, ''))" if lsoa else lsoa_of_postcode
    decile = f"dep_ld.{column(LsoaDeprivation, 'imd_decile')}"
    joins = (
        f"LEFT JOIN {postcodes} dep_pl ON dep_pl.{column(PostcodeLsoa, 'postcode_key')} = {postcode_key}"
        f" AND dep_pl.{column(PostcodeLsoa, 'lsoa_year')} = %(deprivation_lsoa_year)s"
        f" LEFT JOIN {deprivation} dep_ld ON dep_ld.{column(LsoaDeprivation, 'lsoa_code')} = {lsoa}"
        f" AND dep_ld.{column(LsoaDeprivation, 'vintage')} = %(deprivation_vintage)s"
    )
    return DeprivationJoin(
        joins=joins,
        lsoa_code=f"COALESCE({lsoa}, '')",
        imd_decile=decile,
        imd_vintage=f"CASE WHEN {decile} IS NULL THEN '' ELSE %(deprivation_vintage)s END",
        params={
            "deprivation_vintage": vintage or "",
            "deprivation_lsoa_year": LSOA_YEAR_FOR_VINTAGE.get(vintage or "", 0),
        },
    )
