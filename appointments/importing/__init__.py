"""Importing a trust's appointment extract (CSV in shared/DESIGN.md's columns, the
trust's own headers through a mapping file, or a FHIR R4 Bundle of Appointments).

- `files`: what kind of file it is; refuses what is not an extract before anything is written.
- `mapping`: a trust's own headers, values and date formats → Attend's columns.
- `csv_source`, `fhir`: stream rows (line number, Attend column → text) from each format.
- `validation`: one row → a valid row, or errors with line, column and reason.
- `writing`: chunked bulk upserts keyed on appointment_id and patient_id.
- `services`: `import_extract(...)`, the whole run, recorded as an ImportBatch.
- `report`: the downloadable error report, safe to open in a spreadsheet.
"""
