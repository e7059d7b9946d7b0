"""Deprivation reference data: postcode → LSOA (ONS postcode directory) and LSOA → IMD
(English Indices of Deprivation), their readers, and the lookup the importer uses.

- `models`: PostcodeLsoa and LsoaDeprivation, the reference tables.
- `readers`: the published file formats, whatever their header spelling.
- `services`: `import_postcode_lsoa`, `import_lsoa_imd` (bulk loads, re-runnable).
- `lookup`: the rule postcode → LSOA → IMD decile, as `derive_deprivation(postcodes)` (Python)
  and `deprivation_join(...)` (its SQL twin, for the PostgreSQL importer).
- `quintiles`: decile → quintile, in Python, SQL and numpy.
"""
