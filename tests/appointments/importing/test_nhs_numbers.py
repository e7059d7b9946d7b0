"""An NHS number that cannot be trusted is dropped with a warning; the appointment still lands."""

import random

import pytest

from appointments.importing.models import ImportRowError
from appointments.importing.services import import_extract
from appointments.models import Appointment
from patients.identifiers import normalise_nhs_number
from patients.models import Patient
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db


def _import(tmp_path, rows):
    return import_extract(path=write_extract(tmp_path, rows))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("9434765918", "Modulus 11"),
        ("94347659", "10 digits"),
        ("0000000000", "all zeros"),  # passes Modulus 11
        ("5000000005", "range"),  # passes Modulus 11; 5… is never issued
        ("3102900003", "date of birth"),  # Scotland's CHI range, but 31 February is no birthday
    ],
)
def test_an_untrustworthy_nhs_number_is_a_warning_the_number_dropped_and_the_appointment_kept(tmp_path, value, reason):
    batch = _import(tmp_path, [row(nhs_number=value)])
    assert (batch.rows_created, batch.rows_rejected) == (1, 0)
    warning = ImportRowError.objects.get(batch=batch)
    assert (warning.line, warning.column, warning.value, warning.severity) == (2, "nhs_number", value, "warning")
    assert reason in warning.reason and "number dropped" in warning.reason
    assert Patient.objects.get().nhs_number == ""


def test_full_width_digits_spaces_and_hyphens_are_stored_as_ten_ascii_digits(tmp_path):
    _import(tmp_path, [row(nhs_number="９４３ ４７６－５９１９"), row(appointment_id="A2", patient_id="H2",
                                                                      nhs_number="943-476-5919")])  # fmt: skip
    assert set(Patient.objects.values_list("nhs_number", flat=True)) == {"9434765919"}
    assert not ImportRowError.objects.exists()


def test_a_file_of_random_nhs_numbers_keeps_every_row(tmp_path):
    # A quarter of random numbers once fell in the Scottish CHI range without a date of birth
    # in their first digits and took their appointment with them.
    rng = random.Random(15)
    numbers = [f"{rng.randrange(10**10):010d}" for _ in range(300)]
    rows = [row(appointment_id=f"A{n}", patient_id=f"H{n}", nhs_number=number) for n, number in enumerate(numbers)]
    batch = _import(tmp_path, rows)
    assert (batch.rows_read, batch.rows_created, batch.rows_rejected) == (300, 300, 0)
    assert Appointment.objects.count() == 300
    kept = dict(Patient.objects.values_list("hospital_number", "nhs_number"))
    for n, number in enumerate(numbers):
        try:
            expected = normalise_nhs_number(number)
        except ValueError:
            expected = ""
        assert kept[f"H{n}"] == expected
    dropped = sum(1 for value in kept.values() if not value)
    assert ImportRowError.objects.filter(batch=batch, severity="warning", column="nhs_number").count() == dropped > 0
