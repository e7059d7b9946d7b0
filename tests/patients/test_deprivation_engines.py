"""The deprivation rule's two twins agree: the Python lookup (derive_deprivation +
patient_deprivation, used by the portable importer, the refresh and the demo) and its SQL
twin (deprivation_join, used by the PostgreSQL importer) give every postcode the same LSOA,
decile and vintage from the same reference tables.

The SQL twin is plain SQL, so this runs on both engines: on SQLite locally, on PostgreSQL in CI.
"""

from pathlib import Path

import pytest
from django.db import connection

from patients.deprivation.lookup import deprivation_join, derive_deprivation, patient_deprivation
from patients.deprivation.models import PostcodeLsoa
from patients.deprivation.services import import_lsoa_imd, import_postcode_lsoa, text_lines
from patients.identifiers import postcode_key
from patients.models import ImdVintage

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "patients" / "fixtures" / "deprivation"


@pytest.fixture
def postcodes() -> list[str]:
    """Both vintages loaded, and every kind of postcode: found with a decile in both vintages, found
    but whose LSOA has no IMD, not found at all, and blank."""
    import_postcode_lsoa(lines=text_lines(FIXTURES / "ONSPD_FEB_2025_UK_sample.csv"))
    import_lsoa_imd(lines=text_lines(FIXTURES / "File_1_IoD2019_Index_of_Multiple_Deprivation.csv"))
    import_lsoa_imd(lines=text_lines(FIXTURES / "File_1_IoD2025_Index_of_Multiple_Deprivation.csv"))
    PostcodeLsoa.objects.create(postcode_key="AT98ZZ", lsoa_year=2011, lsoa_code="E01909998")
    PostcodeLsoa.objects.create(postcode_key="AT98ZZ", lsoa_year=2021, lsoa_code="E01959998")
    known = sorted(set(PostcodeLsoa.objects.values_list("postcode_key", flat=True)))
    return [*known, "AT97 7ZZ", ""]


def _in_python(postcodes: list[str], vintage: str | None) -> dict[str, tuple]:
    found = derive_deprivation(postcodes, vintage=vintage) if vintage else {}
    return {postcode_key(p): patient_deprivation(found.get(postcode_key(p))) for p in postcodes}


def _in_sql(postcodes: list[str], vintage: str | None) -> dict[str, tuple]:
    join = deprivation_join(postcode_key="t.postcode_key", vintage=vintage)
    keys = [postcode_key(p) for p in postcodes]
    rows = " UNION ALL ".join(f"SELECT %(key{i})s AS postcode_key" for i in range(len(keys)))
    sql = (
        f"SELECT t.postcode_key, {join.lsoa_code}, {join.imd_decile}, {join.imd_vintage} "  # noqa: S608
        f"FROM ({rows}) t {join.joins}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**join.params, **{f"key{i}": key for i, key in enumerate(keys)}})
        return {key: (lsoa, decile, vintage) for key, lsoa, decile, vintage in cursor.fetchall()}


@pytest.mark.parametrize("vintage", [ImdVintage.IMD2019, ImdVintage.IMD2025, None])
def test_the_python_and_sql_deprivation_rules_give_every_postcode_the_same_lsoa_decile_and_vintage(postcodes, vintage):
    in_python = _in_python(postcodes, vintage)
    assert _in_sql(postcodes, vintage) == in_python
    # The data exercise every branch of the rule, so agreement means something.
    outcomes = {
        ("found" if lsoa else "not found", "decile" if decile else "none") for lsoa, decile, _ in in_python.values()
    }
    expected = {("found", "decile"), ("found", "none"), ("not found", "none")} if vintage else {("not found", "none")}
    assert outcomes == expected
