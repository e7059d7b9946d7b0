import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from patients.deprivation.lookup import derive_deprivation
from patients.deprivation.models import LsoaDeprivation, PostcodeLsoa
from patients.deprivation.readers import ReferenceFileError
from patients.deprivation.services import import_lsoa_imd, import_postcode_lsoa, refresh_patient_deprivation, text_lines
from patients.models import ImdVintage, Patient
from tests.support.factories import PatientFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parents[2] / "patients" / "fixtures" / "deprivation"
NSPL_2021 = FIXTURES / "NSPL_FEB_2021_UK_sample.csv"
ONSPD_2025 = FIXTURES / "ONSPD_FEB_2025_UK_sample.csv"
IMD2019 = FIXTURES / "File_1_IoD2019_Index_of_Multiple_Deprivation.csv"
IMD2025 = FIXTURES / "File_1_IoD2025_Index_of_Multiple_Deprivation.csv"


def _load(*args):
    out = io.StringIO()
    call_command("import_deprivation", *map(str, args), "--json", stdout=out)
    return json.loads(out.getvalue().strip().splitlines()[-1])


def _lines(text):
    return io.StringIO(text)


def test_nspl_with_pcd_and_lsoa11_headers_loads_2011_lsoas():
    result = _load("--postcode-lsoa", NSPL_2021)
    assert result["postcode_lsoa"]["lsoa_years"] == [2011]
    assert PostcodeLsoa.objects.get(postcode_key="AT11AA", lsoa_year=2011).lsoa_code == "E01900001"


def test_onspd_with_pcd7_and_lsoa11cd_lsoa21cd_headers_loads_both_lsoa_years():
    _load("--postcode-lsoa", ONSPD_2025)
    assert PostcodeLsoa.objects.get(postcode_key="AT12BD", lsoa_year=2011).lsoa_code == "E01900002"
    assert PostcodeLsoa.objects.get(postcode_key="AT12BD", lsoa_year=2021).lsoa_code == "E01950002"


@pytest.mark.parametrize(
    ("postcode_header", "lsoa_header"), [("pcds", "lsoa21"), ("pcd8", "lsoa21cd"), ("PCD", "LSOA11")]
)
def test_every_published_header_spelling_is_accepted(postcode_header, lsoa_header):
    counts_text = f"{postcode_header},{lsoa_header}\nat1 1aa,E01900001\n"
    summary = import_postcode_lsoa(lines=_lines(counts_text))
    assert summary.rows_loaded == 1


def test_pseudo_lsoa_codes_are_skipped_and_counted_never_stored():
    summary = import_postcode_lsoa(lines=text_lines(NSPL_2021))
    assert summary.rows_skipped == 1
    assert not PostcodeLsoa.objects.filter(postcode_key="AT99SA").exists()


def test_a_file_without_a_postcode_column_is_refused_and_nothing_is_loaded():
    with pytest.raises(ReferenceFileError, match="postcode column"):
        import_postcode_lsoa(lines=_lines("postcode_unit,lsoa11\nAT1 1AA,E01900001\n"))
    assert not PostcodeLsoa.objects.exists()


def test_imd2019_file_1_loads_as_imd2019_with_rank_and_decile():
    result = _load("--lsoa-imd", IMD2019)
    assert result["lsoa_imd"][0]["vintage"] == ImdVintage.IMD2019
    row = LsoaDeprivation.objects.get(lsoa_code="E01900002", vintage=ImdVintage.IMD2019)
    assert (row.imd_rank, row.imd_decile) == (3385, 2)


def test_imd2025_file_1_loads_as_imd2025():
    _load("--lsoa-imd", IMD2025)
    assert LsoaDeprivation.objects.get(lsoa_code="E01950002").vintage == ImdVintage.IMD2025


def test_file_7_headers_with_their_where_1_is_most_deprived_suffix_are_accepted():
    text = (
        '"LSOA code (2011)","Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)",'
        '"Index of Multiple Deprivation (IMD) Decile (where 1 is most deprived 10% of LSOAs)"\n'
        "E01900001,17,1\n"
    )
    assert import_lsoa_imd(lines=_lines(text)).rows_loaded == 1


def test_a_vintage_that_disagrees_with_the_files_lsoa_year_is_refused():
    with pytest.raises(CommandError, match="does not match"):
        _load("--lsoa-imd", IMD2019, "--vintage", "IMD2025")
    assert not LsoaDeprivation.objects.exists()


def test_a_file_that_is_not_file_1_is_refused_with_the_missing_columns_named():
    with pytest.raises(CommandError, match="Index of Multiple Deprivation \\(IMD\\) Decile"):
        _load("--lsoa-imd", NSPL_2021)


def test_an_empty_reference_file_is_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        _load("--postcode-lsoa", empty)


def test_a_reference_file_that_is_not_utf8_is_refused_and_nothing_is_loaded(tmp_path):
    bad = tmp_path / "latin1.csv"
    bad.write_bytes(b"pcds,lsoa11\nAT1 1AA,E01900001\n" + "AT1 1AB,E01900001 \xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="not UTF-8"):
        _load("--postcode-lsoa", bad)
    assert not PostcodeLsoa.objects.exists()


def test_out_of_range_deciles_and_ranks_are_skipped_and_counted():
    text = "LSOA code (2011),Index of Multiple Deprivation (IMD) Rank,Index of Multiple Deprivation (IMD) Decile\n"
    text += "E01900001,1,11\nE01900002,40000,1\nE01900003,5,1\n"
    summary = import_lsoa_imd(lines=_lines(text))
    assert (summary.rows_loaded, summary.rows_skipped) == (1, 2)


def test_reloading_the_same_files_changes_nothing():
    _load("--postcode-lsoa", ONSPD_2025, "--lsoa-imd", IMD2019, "--lsoa-imd", IMD2025)
    before = (PostcodeLsoa.objects.count(), LsoaDeprivation.objects.count())
    _load("--postcode-lsoa", ONSPD_2025, "--lsoa-imd", IMD2019, "--lsoa-imd", IMD2025)
    assert (PostcodeLsoa.objects.count(), LsoaDeprivation.objects.count()) == before


@pytest.fixture
def both_vintages():
    _load("--postcode-lsoa", ONSPD_2025, "--lsoa-imd", IMD2019, "--lsoa-imd", IMD2025)


@pytest.mark.parametrize("spelling", ["AT1 2BD", "at12bd", " AT1  2bd "])
def test_postcodes_match_whatever_their_spacing_or_case(both_vintages, spelling):
    found = derive_deprivation([spelling], vintage=ImdVintage.IMD2019)
    assert found["AT12BD"].imd_decile == 2


def test_imd2019_uses_2011_lsoas_and_imd2025_uses_2021_lsoas(both_vintages):
    old = derive_deprivation(["AT1 2BD"], vintage=ImdVintage.IMD2019)["AT12BD"]
    new = derive_deprivation(["AT1 2BD"], vintage=ImdVintage.IMD2025)["AT12BD"]
    assert (old.lsoa_code, old.imd_decile, old.vintage) == ("E01900002", 2, "IMD2019")
    assert (new.lsoa_code, new.imd_decile, new.vintage) == ("E01950002", 9, "IMD2025")


def test_the_newest_loaded_vintage_is_used_by_default(both_vintages):
    assert derive_deprivation(["AT1 2BD"])["AT12BD"].vintage == ImdVintage.IMD2025


def test_the_configured_vintage_wins_over_the_newest(both_vintages, settings):
    settings.ATTEND_IMD_VINTAGE = "IMD2019"
    assert derive_deprivation(["AT1 2BD"])["AT12BD"].vintage == ImdVintage.IMD2019


def test_an_unknown_postcode_is_left_out_never_guessed(both_vintages):
    assert derive_deprivation(["AT1 2BX", "ZZ9 9ZZ"]) == {}


def test_a_welsh_postcode_has_an_lsoa_but_no_english_imd_decile(both_vintages):
    found = derive_deprivation(["AT9 9WA"], vintage=ImdVintage.IMD2019)["AT99WA"]
    assert (found.lsoa_code, found.imd_decile) == ("W01000001", None)


def test_refreshing_patients_rederives_deciles_and_clears_unmatched_ones(both_vintages):
    matched = PatientFactory(postcode="AT1 2BD", imd_decile=5, imd_vintage="IMD2019")
    unmatched = PatientFactory(postcode="ZZ9 9ZZ", imd_decile=5, imd_vintage="IMD2019")
    assert refresh_patient_deprivation(vintage=ImdVintage.IMD2025)["patients_unmatched"] == 1
    matched.refresh_from_db()
    unmatched.refresh_from_db()
    assert (matched.lsoa_code, matched.imd_decile, matched.imd_vintage) == ("E01950002", 9, "IMD2025")
    assert (unmatched.imd_decile, unmatched.imd_vintage, unmatched.lsoa_code) == (None, "", "")


def test_refreshing_without_any_imd_loaded_is_refused_and_keeps_existing_deciles():
    patient = PatientFactory(imd_decile=4)
    with pytest.raises(ReferenceFileError):
        refresh_patient_deprivation()
    assert Patient.objects.get(pk=patient.pk).imd_decile == 4
