"""Scoring upcoming appointments: idempotent, complete for the window, with plain-English reasons."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from appointments.models import Appointment, AttendanceCode
from config.localtime import local_days_bounds
from risk.features import BY_NAME
from risk.models import RiskScore
from risk.scoring import ScoringError, score_past, score_upcoming
from risk.tasks import score_upcoming_appointments
from tests.support.factories import AppointmentFactory, PatientFactory


def _snapshot() -> dict[int, tuple]:
    return {
        s.appointment_id: (s.pk, s.probability, s.band, tuple(s.reasons), s.model_id) for s in RiskScore.objects.all()
    }


def test_scoring_twice_gives_exactly_the_same_rows(demo_trust, active_risk_model):
    now = timezone.now()
    first = score_upcoming(days=42, now=now)
    before = _snapshot()
    second = score_upcoming(days=42, now=now)
    assert first == second
    assert _snapshot() == before
    assert len(before) == first.appointments > 0


def test_every_upcoming_appointment_in_the_window_is_scored_and_nothing_else(demo_trust, active_risk_model):
    now = timezone.now()
    score_upcoming(days=14, now=now)
    expected = set(
        Appointment.objects.upcoming(now).filter(starts_at__lt=now + timedelta(days=14)).values_list("pk", flat=True)
    )
    assert set(RiskScore.objects.values_list("appointment_id", flat=True)) == expected


def test_probabilities_and_bands_agree(demo_trust, active_risk_model):
    score_upcoming(days=42)
    thresholds = active_risk_model.parameters["band_thresholds"]
    for score in RiskScore.objects.all():
        assert 0 < score.probability < 1
        expected = (
            "high"
            if score.probability >= thresholds["high"]
            else ("medium" if score.probability >= thresholds["medium"] else "low")
        )
        assert score.band == expected


def test_reasons_are_plain_english_sentences(demo_trust, active_risk_model):
    score_upcoming(days=42)
    feature_names = set(BY_NAME)
    for score in RiskScore.objects.all():
        assert 1 <= len(score.reasons) <= 3
        for reason in score.reasons:
            assert reason[0].isupper()
            assert "_" not in reason and "nan" not in reason.lower()
            assert not feature_names.intersection(reason.split())


def test_a_patient_who_keeps_missing_is_told_how_many_of_the_last_four_they_missed(active_risk_model):
    patient = PatientFactory(date_of_birth=timezone.localdate() - timedelta(days=25 * 365))
    now = timezone.now()
    codes = [AttendanceCode.ATTENDED, AttendanceCode.DID_NOT_ATTEND, AttendanceCode.ATTENDED,
             AttendanceCode.DID_NOT_ATTEND, AttendanceCode.DID_NOT_ATTEND]  # fmt: skip
    for weeks_ago, code in zip((50, 40, 30, 20, 10), codes, strict=True):
        AppointmentFactory(patient=patient, starts_at=now - timedelta(weeks=weeks_ago), attendance_code=code)
    upcoming = AppointmentFactory(
        patient=patient, starts_at=now + timedelta(weeks=1), booked_at=now - timedelta(weeks=25)
    )
    score_upcoming(days=42, now=now)
    score = RiskScore.objects.get(appointment=upcoming)
    assert score.reasons[0] == "Missed 3 of the last 4 appointments"
    assert score.band == "high"


def test_rescoring_with_a_newly_activated_model_updates_the_same_rows(
    demo_trust, active_risk_model, small_training_result
):
    from risk.registry import activate_model, register_model

    score_upcoming(days=42)
    before = _snapshot()
    newer = activate_model(model=register_model(result=small_training_result))
    score_upcoming(days=42)
    after = _snapshot()
    assert set(after) == set(before)
    assert all(after[k][0] == before[k][0] and after[k][4] == newer.pk for k in after)


def test_command_prints_a_json_summary(demo_trust, active_risk_model):
    out = StringIO()
    call_command("score_appointments", "--days", "42", "--json", stdout=out)
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    assert summary["appointments"] == RiskScore.objects.count()
    assert summary["model_version"] == active_risk_model.version


def test_scoring_without_an_active_model_says_what_to_do(demo_trust):
    with pytest.raises(ScoringError, match="No risk model is active"):
        score_upcoming()
    with pytest.raises(CommandError, match="No risk model is active"):
        call_command("score_appointments")


def test_nightly_task_scores_and_returns_its_summary(demo_trust, active_risk_model):
    summary = score_upcoming_appointments.delay().get()
    assert summary["appointments"] == RiskScore.objects.count() > 0


def _appointments_from_2019_without_outcomes(count: int) -> None:
    first = datetime(2019, 4, 15, 9, 30, tzinfo=ZoneInfo("Europe/London"))
    for i in range(count):
        AppointmentFactory(
            starts_at=first + timedelta(days=i % 10), booked_at=first - timedelta(days=30), attendance_code=0
        )


def test_scoring_nothing_upcoming_while_appointments_wait_for_an_outcome_is_refused_saying_so(active_risk_model):
    _appointments_from_2019_without_outcomes(12)
    with pytest.raises(CommandError) as refused:
        call_command("score_appointments")
    message = str(refused.value)
    assert "12 appointments before then have no outcome (between 2019-04-15 and 2019-04-24)" in message
    assert "--as-of 2019-04-15" in message
    assert not RiskScore.objects.exists()


def test_scoring_as_of_the_extracts_own_date_scores_its_upcoming_appointments(active_risk_model):
    _appointments_from_2019_without_outcomes(12)
    out = StringIO()
    call_command("score_appointments", "--as-of", "2019-04-15", "--json", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["appointments"] == 12
    assert RiskScore.objects.count() == 12


def test_nothing_upcoming_and_nothing_waiting_is_not_an_error(active_risk_model):
    out = StringIO()
    call_command("score_appointments", "--json", stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1])["appointments"] == 0


def test_scoring_the_past_scores_only_appointments_that_happened_after_training(demo_trust, active_risk_model):
    model = active_risk_model
    with pytest.raises(ScoringError, match="trained on"):
        score_past(model=model, start=timezone.now() - timedelta(days=400), end=timezone.now())
    after = model.trained_to + timedelta(days=1)
    start, end = local_days_bounds(after, timezone.localdate())
    scored = score_past(model=model, start=start, end=end)
    happened = Appointment.objects.happened().filter(starts_at__gte=start, starts_at__lt=end)
    assert scored == happened.count() > 0
    assert RiskScore.objects.filter(appointment__in=happened).count() == scored
    assert not RiskScore.objects.exclude(appointment__in=happened).exists()  # nothing upcoming touched


def test_the_demo_fills_the_live_page_from_the_hold_out_the_model_never_saw(demo_trust, active_risk_model):
    from monitoring.models import LiveCheck

    out = StringIO()
    call_command("monitor_risk_model", "--backfill-holdout", stdout=out)
    assert "which it never saw" in out.getvalue()
    overall = LiveCheck.objects.filter(model=active_risk_model, population="all", group="all")
    assert overall.exists() and all(check.auc is not None for check in overall if check.dnas)
    first_month = active_risk_model.holdout_from.replace(day=1)
    assert min(check.month for check in overall) == first_month
