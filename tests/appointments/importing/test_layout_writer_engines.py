"""The importer's two writers agree on a national-layout file: the same deciles from the LSOA
given instead of a postcode (the deprivation rule's Python twin and its SQL twin), the same ages,
dates without a time, unknown lead times, counts, unranked LSOAs and codes seen for the first time.
PostgreSQL only (the portable writer is the only one on SQLite)."""

import pytest
from django.db import transaction

from appointments.importing import services
from appointments.importing.services import import_extract
from appointments.importing.writing import BatchWriter
from appointments.importing.writing_postgres import PostgresBatchWriter
from appointments.models import Appointment
from patients.models import Patient
from tests.appointments.importing.extracts import row, write_extract
from tests.appointments.importing.test_layouts import CDS_FILE

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

PATIENT_FIELDS = ("hospital_number", "date_of_birth", "sex", "ethnic_category", "postcode", "lsoa_code", "imd_decile",
                  "imd_vintage")  # fmt: skip
APPOINTMENT_FIELDS = ("pas_id", "starts_at", "start_time_known", "booked_at", "age_at_appointment", "attendance_code",
                      "appointment_type", "medium", "clinic__code")  # fmt: skip
BATCH_FIELDS = ("rows_read", "rows_created", "rows_updated", "rows_unchanged", "rows_rejected", "patients_created",
                "unmatched_postcodes", "unmatched_lsoas", "new_codes", "rules_applied")  # fmt: skip


def _run(writer_class, tmp_path, monkeypatch) -> dict:
    monkeypatch.setattr(services, "writer_for", lambda columns: writer_class(columns_present=columns))
    with transaction.atomic():
        batches = [import_extract(path=CDS_FILE, layout="cds-outpatient"),
                   # A postcode found beats the LSOA; one not found falls back to it.
                   import_extract(path=write_extract(tmp_path, [
                       row(appointment_id="P1", patient_id="H1", postcode="AT1 2BD", lsoa="E01900005"),
                       row(appointment_id="P2", patient_id="H2", postcode="ZZ9 9ZZ", lsoa="E01900007"),
                   ], header=[*row().keys(), "lsoa"]))]  # fmt: skip
        result = {
            "batches": [{name: getattr(batch, name) for name in BATCH_FIELDS} for batch in batches],
            "patients": list(Patient.objects.order_by("hospital_number").values(*PATIENT_FIELDS)),
            "appointments": list(Appointment.objects.order_by("pas_id").values(*APPOINTMENT_FIELDS)),
        }
        transaction.set_rollback(True)
    return result


@pytest.mark.parametrize("vintage", ["IMD2019", "IMD2025"])
def test_both_writers_agree_on_a_cds_outpatient_file_and_on_lsoas_beside_postcodes(
    deprivation_tables, tmp_path, monkeypatch, settings, vintage
):
    settings.ATTEND_IMD_VINTAGE = vintage
    portable = _run(BatchWriter, tmp_path, monkeypatch)
    assert _run(PostgresBatchWriter, tmp_path, monkeypatch) == portable
    patients = {p["hospital_number"]: p for p in portable["patients"]}
    ranked = [p for number, p in patients.items() if number.startswith("TEST") and p["imd_decile"] is not None]
    assert bool(ranked) == (vintage == "IMD2019")  # LSOA11 codes are ranked by IMD 2019 only
    assert patients["H1"]["lsoa_code"] != "E01900005"  # the postcode found gives the LSOA
    assert (patients["H2"]["lsoa_code"], patients["H2"]["imd_decile"]) == (
        "E01900007", 7 if vintage == "IMD2019" else None
    )  # fmt: skip
