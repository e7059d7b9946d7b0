from pathlib import Path

import pytest
from django.core.management import call_command

FIXTURES = Path(__file__).resolve().parents[3] / "patients" / "fixtures" / "deprivation"


@pytest.fixture
def deprivation_tables(db):
    """The shipped reference fixtures: AT1 2BD is decile 2 in IMD 2019 and 9 in IMD 2025."""
    call_command(
        "import_deprivation",
        "--postcode-lsoa", str(FIXTURES / "ONSPD_FEB_2025_UK_sample.csv"),
        "--lsoa-imd", str(FIXTURES / "File_1_IoD2019_Index_of_Multiple_Deprivation.csv"),
        "--lsoa-imd", str(FIXTURES / "File_1_IoD2025_Index_of_Multiple_Deprivation.csv"),
        stdout=open("/dev/null", "w"),  # noqa: SIM115
    )  # fmt: skip
