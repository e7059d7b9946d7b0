"""Scoring's PostgreSQL twins agree with the portable ones: the chunk's appointments (an array
parameter against IN), the table the features are computed from (epoch seconds from the
database against datetimes converted in Python) and the score upsert (COPY then INSERT … ON
CONFLICT against bulk_create) give the same results on the same data, including a score being
replaced and reasons whose text needs escaping.

Both run on PostgreSQL (CI); on SQLite only the portable twins exist, and the comparisons skip.
"""

from dataclasses import fields

import numpy as np
import pytest
from django.db import transaction
from django.utils import timezone

import risk.table
from appointments.models import Appointment
from risk.models import RiskScore
from risk.registry import register_model
from risk.scoring import (
    appointments_of_portable,
    appointments_of_postgres,
    upsert_scores_portable,
    upsert_scores_postgres,
)
from risk.table import AppointmentTable, table_from_queryset_portable, table_from_queryset_postgres
from tests.support.factories import AppointmentFactory, PatientFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

REASONS = [
    ["Missed 2 of their last 5 appointments"],
    ['Lives in an area of high deprivation (IMD decile 1) — "travel" costs £', "A back\\slash and a\ttab"],
    [],
]


@pytest.fixture
def patients():
    chosen = [PatientFactory() for _ in range(3)]
    for patient in chosen:
        AppointmentFactory.create_batch(2, patient=patient)
    AppointmentFactory()  # another patient's, never in the chunk
    return [p.pk for p in chosen]


def test_both_chunk_queries_load_the_same_appointments(patients):
    portable = sorted(appointments_of_portable(patients).values_list("pk", flat=True))
    assert sorted(appointments_of_postgres(patients).values_list("pk", flat=True)) == portable
    assert len(portable) == 6


def test_both_table_readers_give_the_same_table(demo_trust):
    appointments = Appointment.objects.order_by("id")
    portable, postgres = table_from_queryset_portable(appointments), table_from_queryset_postgres(appointments)
    assert len(portable.appointment_id) == appointments.count() > 0
    for column in fields(AppointmentTable):
        expected, got = getattr(portable, column.name), getattr(postgres, column.name)
        assert expected.dtype == got.dtype, column.name
        assert np.array_equal(expected, got, equal_nan=expected.dtype.kind == "f"), column.name


def test_both_table_readers_give_the_same_table_read_a_block_at_a_time(demo_trust, monkeypatch):
    appointments = Appointment.objects.order_by("id")
    whole = {read: read(appointments) for read in (table_from_queryset_portable, table_from_queryset_postgres)}
    monkeypatch.setattr(risk.table, "BLOCK", 7)  # the demo trust's appointments in many blocks, the last one short
    assert appointments.count() % 7
    for read, expected in whole.items():
        got = read(appointments)
        for column in fields(AppointmentTable):
            want, have = getattr(expected, column.name), getattr(got, column.name)
            assert want.dtype == have.dtype, column.name
            assert np.array_equal(want, have, equal_nan=want.dtype.kind == "f"), (read.__name__, column.name)


def _scores_after(upsert, ids, model, earlier_model, now) -> list[tuple]:
    with transaction.atomic():
        RiskScore.objects.create(
            appointment_id=ids[0], model=earlier_model, probability=0.5, band="medium", reasons=["old"], scored_at=now
        )
        upsert(np.array(ids), model, np.array([0.91, 0.12, 0.3333333333333333]),
               np.array(["high", "low", "medium"], dtype=object), REASONS, now)  # fmt: skip
        rows = list(
            RiskScore.objects.order_by("appointment_id").values_list(
                "appointment_id", "model_id", "probability", "band", "reasons", "scored_at"
            )
        )
        transaction.set_rollback(True)
    return rows


def test_both_score_upserts_write_and_replace_the_same_rows(patients, small_training_result):
    model, earlier = register_model(result=small_training_result), register_model(result=small_training_result)
    ids = sorted(appointments_of_portable(patients).values_list("pk", flat=True))[:3]
    now = timezone.now()
    portable = _scores_after(upsert_scores_portable, ids, model, earlier, now)
    assert _scores_after(upsert_scores_postgres, ids, model, earlier, now) == portable
    assert [(row[1], row[4]) for row in portable] == [(model.pk, reasons) for reasons in REASONS]
