"""The postal address for letters: optional columns address_line_1 … address_line_6, or FHIR
Patient.address.line; the same on both import writers; a file without the columns keeps the address."""

import pytest

from appointments.importing import services
from appointments.importing.services import import_extract
from appointments.importing.writing import BatchWriter
from appointments.importing.writing_postgres import PostgresBatchWriter
from patients.models import Patient
from tests.appointments.importing.extracts import HEADER, row, write_extract

pytestmark = pytest.mark.django_db
ADDRESS = [*HEADER, *(f"address_line_{line}" for line in range(1, 7))]
LINES = {"address_line_1": "Flat 2", "address_line_2": "12 Mill Lane", "address_line_4": "Leeds"}


@pytest.mark.parametrize("writer_class", [BatchWriter, PostgresBatchWriter])
def test_the_address_lines_are_kept_and_a_file_without_them_leaves_them(tmp_path, monkeypatch, writer_class):
    from django.db import connection

    if writer_class is PostgresBatchWriter and connection.vendor != "postgresql":
        pytest.skip("the COPY writer needs PostgreSQL")
    monkeypatch.setattr(services, "writer_for", lambda columns: writer_class(columns_present=columns))
    import_extract(path=write_extract(tmp_path, [row(**LINES)], header=ADDRESS, name="first.csv"))
    patient = Patient.objects.get()
    assert patient.address_lines == ["Flat 2", "12 Mill Lane", "Leeds", "AT1 2BD"]
    import_extract(path=write_extract(tmp_path, [row(phone="07700 900999")], name="later.csv"))
    patient.refresh_from_db()
    assert (patient.mobile, patient.address_line_2) == ("+447700900999", "12 Mill Lane")


def test_a_postcode_alone_is_not_an_address_for_a_letter(tmp_path):
    import_extract(path=write_extract(tmp_path, [row()], header=ADDRESS))
    assert Patient.objects.get().address_lines == []


def test_an_address_line_too_long_for_the_field_is_reported(tmp_path):
    batch = import_extract(path=write_extract(tmp_path, [row(address_line_1="x" * 101)], header=ADDRESS))
    assert batch.rows_rejected == 1
    assert batch.row_errors.get().column == "address_line_1"


def test_fhir_address_lines_then_city_fill_the_address(tmp_path):
    from tests.appointments.importing.test_fhir import LOCATION, _appointment, _bundle, _patient

    address = [{"use": "home", "line": ["Flat 2", "12 Mill Lane"], "city": "Leeds", "postalCode": "AT1 2BD"}]
    import_extract(path=_bundle(tmp_path, _patient(address=address), LOCATION, _appointment()))
    assert Patient.objects.get().address_lines == ["Flat 2", "12 Mill Lane", "Leeds", "AT1 2BD"]
