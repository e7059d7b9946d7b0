"""Features use only what was known before each appointment, and never ethnicity."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.utils import timezone

from appointments.models import Appointment, AttendanceCode
from demo import synthetic
from risk.features import CATALOGUE, compute_features, configured_features
from risk.table import table_from_queryset, table_from_synthetic
from tests.support.factories import AppointmentFactory, PatientFactory


@pytest.fixture(scope="module")
def trust():
    return synthetic.generate(patients=400, seed=3, today=timezone.localdate())


def _features_by_pas_id(appointments):
    table = table_from_synthetic(appointments)
    columns = compute_features(table)
    return {a.pas_id: {n: columns[n][i] for n in columns} for i, a in enumerate(appointments)}


def test_adding_later_appointments_never_changes_an_earlier_appointments_features(trust):
    cutoff = sorted(a.starts_at for a in trust.appointments)[len(trust.appointments) // 2]
    earlier = [a for a in trust.appointments if a.starts_at < cutoff]
    later = [a for a in trust.appointments if a.starts_at >= cutoff]
    # Make the later history as telling as possible: every later appointment a DNA.
    for a in later:
        a.attendance_code = AttendanceCode.DID_NOT_ATTEND
    alone = _features_by_pas_id(earlier)
    together = _features_by_pas_id(later + earlier)  # row order must not matter either
    assert later
    for pas_id, features in alone.items():
        for name, value in features.items():
            other = together[pas_id][name]
            assert value == other or (isinstance(value, float) and np.isnan(value) and np.isnan(other)), (pas_id, name)


def test_history_counts_only_appointments_that_started_before(db):
    patient = PatientFactory()
    now = timezone.now()
    codes = [AttendanceCode.DID_NOT_ATTEND, AttendanceCode.ATTENDED, AttendanceCode.PATIENT_CANCELLED,
             AttendanceCode.DID_NOT_ATTEND, AttendanceCode.ATTENDED, AttendanceCode.ATTENDED_LATE_NOT_SEEN]  # fmt: skip
    for weeks_ago, code in zip(range(60, 0, -10), codes, strict=True):
        AppointmentFactory(patient=patient, starts_at=now - timedelta(weeks=weeks_ago), attendance_code=code)
    upcoming = AppointmentFactory(patient=patient, starts_at=now + timedelta(days=3))
    table = table_from_queryset(Appointment.objects.all())
    columns = compute_features(table)
    row = int(np.flatnonzero(table.appointment_id == upcoming.pk)[0])
    assert columns["prior_dnas"][row] == 3
    assert columns["prior_attendances"][row] == 2
    assert columns["prior_patient_cancellations"][row] == 1
    assert columns["dnas_in_last_4"][row] == 2  # last four that happened: attended, DNA, attended, DNA (7)
    assert columns["prior_dnas_12m"][row] == 2  # 30 and 10 weeks ago; the one 60 weeks ago is older
    assert columns["prior_dna_rate"][row] == pytest.approx(3 / 5)
    assert columns["days_since_last_dna"][row] == pytest.approx(10 * 7 + 3)  # measured to the appointment
    assert columns["booking_lead_days"][row] == 30
    first = int(np.flatnonzero(table.starts == table.starts.min())[0])
    assert columns["prior_dnas"][first] == 0
    assert np.isnan(columns["prior_dna_rate"][first])


def test_ethnicity_is_not_a_feature_in_the_catalogue():
    assert not any("ethnic" in feature.name for feature in CATALOGUE)


@override_settings(ATTEND_RISK_FEATURES=["prior_dnas", "ethnic_category"])
def test_asking_for_ethnicity_as_a_feature_is_refused():
    with pytest.raises(ImproperlyConfigured, match="Ethnicity is never a risk model input"):
        configured_features()


@override_settings(ATTEND_RISK_EXCLUDED_FEATURES=["imd_decile"])
def test_a_trust_can_leave_out_deprivation():
    features = configured_features()
    assert "imd_decile" not in features
    assert "prior_dnas" in features


def test_a_category_or_weekday_too_rare_in_training_is_pooled_with_missing_and_gives_no_reason():
    import numpy as np

    from risk.features import categories_of, design_matrix, pooled_away, rare_values_of

    columns = {
        "specialty": np.array(["100"] * 40 + ["654"] * 3),
        "weekday": np.array([1.0] * 40 + [6.0] * 3),
    }
    names = ["specialty", "weekday"]
    categories = categories_of(columns, names, min_rows=30)
    rare = rare_values_of(columns, names, min_rows=30)
    assert categories == {"specialty": ["100"]} and rare == {"weekday": [6.0]}
    matrix = design_matrix(columns, names, categories, rare)
    assert np.isnan(matrix[-3:]).all() and not np.isnan(matrix[:40]).any()
    pooled = pooled_away(columns, matrix, names)
    assert pooled[-3:].all() and not pooled[:40].any()
