"""Values staff corrected in Attend survive the nightly import, on both writers.

The portable writer runs everywhere; the PostgreSQL writer (a separate, set-based
implementation) only on PostgreSQL (DATABASE_URL=postgres://…), where both run.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from appointments.importing import services
from appointments.importing.services import import_extract
from appointments.importing.writing import BatchWriter
from appointments.importing.writing_postgres import PostgresBatchWriter
from patients.corrections.models import CorrectionConflict, LocalCorrection
from patients.corrections.services import local_corrections_record
from patients.models import Patient
from tests.appointments.importing.extracts import row, write_extract

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["portable", pytest.param("postgres", marks=pytest.mark.postgres)])
def writer(request, monkeypatch):
    writer_class = {"portable": BatchWriter, "postgres": PostgresBatchWriter}[request.param]
    monkeypatch.setattr(services, "writer_for", lambda columns: writer_class(columns_present=columns))
    return request.param


def _import(tmp_path, name, **changes):
    return import_extract(path=write_extract(tmp_path, [row(**changes)], name=name))


def _correct(*, at=None, **values):
    """A call handler's correction, as calls.services records it."""
    patient = Patient.objects.get(hospital_number="H0001")
    previous = {name: getattr(patient, name) for name in values}
    Patient.objects.filter(pk=patient.pk).update(**values)
    patient.refresh_from_db()
    return local_corrections_record(patient=patient, previous=previous, corrected_by=None, now=at)


def test_a_corrected_ethnic_category_survives_three_reimports_with_a_blank_pas_value(tmp_path, writer):
    _import(tmp_path, "night0.csv", ethnicity="")
    _correct(ethnic_category="H")  # Indian, as the patient said on the call
    for night in (1, 2, 3):
        _import(tmp_path, f"night{night}.csv", ethnicity="")
        assert Patient.objects.get().ethnic_category == "H"
    assert not CorrectionConflict.objects.exists()


def test_a_pas_still_sending_the_value_corrected_away_does_not_undo_the_correction(tmp_path, writer):
    _import(tmp_path, "night0.csv", phone="07700 900123", language="pl", interpreter_required="Y")
    _correct(mobile="+447700900555", preferred_language="ur", interpreter_required=False)
    _import(tmp_path, "night1.csv", phone="07700 900123", language="pl", interpreter_required="Y")
    patient = Patient.objects.get()
    assert (patient.mobile, patient.preferred_language, patient.interpreter_required) == ("+447700900555", "ur", False)
    assert not CorrectionConflict.objects.exists()


def test_a_newer_different_pas_value_becomes_a_conflict_not_an_overwrite(tmp_path, writer):
    _import(tmp_path, "night0.csv", ethnicity="A")
    (correction,) = _correct(ethnic_category="H", at=timezone.now() - timedelta(days=1))
    _import(tmp_path, "night1.csv", ethnicity="J")  # the PAS was updated since, to something else
    _import(tmp_path, "night2.csv", ethnicity="J")  # and says so again the next night
    assert Patient.objects.get().ethnic_category == "H"
    conflict = CorrectionConflict.objects.get()
    assert (conflict.correction, conflict.field, conflict.attend_value, conflict.pas_value) == (
        correction, "ethnic_category", "H", "J",
    )  # fmt: skip
    assert conflict.last_seen_at > conflict.first_seen_at and conflict.resolved_at is None


def test_a_pas_that_has_caught_up_with_the_correction_is_no_conflict(tmp_path, writer):
    _import(tmp_path, "night0.csv", ethnicity="A")
    _correct(ethnic_category="H", at=timezone.now() - timedelta(days=1))
    _import(tmp_path, "night1.csv", ethnicity="H")
    assert Patient.objects.get().ethnic_category == "H"
    assert not CorrectionConflict.objects.exists()


def test_a_file_without_the_corrected_column_neither_changes_it_nor_raises_a_conflict(tmp_path, writer):
    _import(tmp_path, "night0.csv", language="pl")
    _correct(preferred_language="ur", at=timezone.now() - timedelta(days=1))
    header = [column for column in row() if column != "language"]
    import_extract(path=write_extract(tmp_path, [row()], name="night1.csv", header=header))
    assert Patient.objects.get().preferred_language == "ur"
    assert not CorrectionConflict.objects.exists()
    assert LocalCorrection.objects.count() == 1
