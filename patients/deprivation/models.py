"""The two reference tables that turn a postcode into an IMD decile.

A postcode belongs to one 2011 LSOA and one 2021 LSOA (the ONS postcode directory
gives both). IMD 2019 ranks 2011 LSOAs; IMD 2025 ranks 2021 LSOAs. So the LSOA year
a postcode is looked up in follows from the IMD vintage, and the vintage is stored
with every decile derived from these tables.
"""

from __future__ import annotations

from django.db import models

from patients.models import ImdVintage

# Which LSOA boundaries each vintage of the English Indices of Deprivation ranks.
LSOA_YEAR_FOR_VINTAGE: dict[str, int] = {ImdVintage.IMD2019: 2011, ImdVintage.IMD2025: 2021}
VINTAGE_FOR_LSOA_YEAR: dict[int, str] = {year: vintage for vintage, year in LSOA_YEAR_FOR_VINTAGE.items()}
# The number of LSOAs each vintage ranks (rank 1 is the most deprived).
LSOA_COUNT_FOR_VINTAGE: dict[str, int] = {ImdVintage.IMD2019: 32_844, ImdVintage.IMD2025: 33_755}


class LsoaYear(models.IntegerChoices):
    LSOA2011 = 2011, "2011 LSOAs"
    LSOA2021 = 2021, "2021 LSOAs"


class PostcodeLsoa(models.Model):
    """One postcode's LSOA in one set of LSOA boundaries, from the ONS postcode directory."""

    postcode_key = models.CharField(max_length=8, help_text="Upper case, no spaces: 'LS11UQ'.")
    lsoa_year = models.PositiveSmallIntegerField("LSOA year", choices=LsoaYear.choices)
    lsoa_code = models.CharField("LSOA", max_length=9)

    class Meta:
        verbose_name = "postcode LSOA"
        constraints = [
            models.UniqueConstraint(fields=["postcode_key", "lsoa_year"], name="postcode_lsoa_unique_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.postcode_key} → {self.lsoa_code} ({self.lsoa_year})"


class LsoaDeprivation(models.Model):
    """An LSOA's Index of Multiple Deprivation rank and decile in one vintage."""

    lsoa_code = models.CharField("LSOA", max_length=9)
    vintage = models.CharField(max_length=7, choices=ImdVintage.choices)
    imd_rank = models.PositiveIntegerField("IMD rank", help_text="1 is the most deprived LSOA in England.")
    imd_decile = models.PositiveSmallIntegerField("IMD decile", help_text="1 is the most deprived 10%.")

    class Meta:
        verbose_name = "LSOA deprivation"
        constraints = [
            models.UniqueConstraint(fields=["lsoa_code", "vintage"], name="lsoa_deprivation_unique_per_vintage"),
            models.CheckConstraint(
                condition=models.Q(imd_decile__gte=1, imd_decile__lte=10), name="lsoa_deprivation_decile_1_to_10"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lsoa_code} {self.vintage}: decile {self.imd_decile}"
