"""Factories for outreach tests: risk scores (the risk issue makes real ones), pilots and calls."""

from datetime import timedelta

import factory
from django.utils import timezone

from calls.models import CallTask
from pilots.models import Pilot
from risk.models import RiskBand, RiskModel, RiskScore
from tests.support.factories import AppointmentFactory, TeamFactory


class OutreachRiskModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskModel
        django_get_or_create = ("version",)

    version = 1
    algorithm = "test"
    artifact = b"{}"
    artifact_sha256 = "0" * 64
    is_active = True


def band_for(probability: float) -> str:
    return RiskBand.HIGH if probability >= 0.3 else RiskBand.MEDIUM if probability >= 0.15 else RiskBand.LOW


class OutreachRiskScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RiskScore

    appointment = factory.SubFactory(AppointmentFactory)
    model = factory.SubFactory(OutreachRiskModelFactory)
    probability = 0.5
    band = factory.LazyAttribute(lambda o: band_for(o.probability))
    reasons = factory.LazyFunction(lambda: ["Missed 2 of their last 4 appointments", "Booked more than 8 weeks ago"])
    scored_at = factory.LazyFunction(timezone.now)


def scored_appointment(probability: float = 0.5, days_ahead: int = 5, **kwargs):
    """An upcoming appointment `days_ahead` days from now with a risk score."""
    appointment = AppointmentFactory(starts_at=timezone.now() + timedelta(days=days_ahead, hours=1), **kwargs)
    OutreachRiskScoreFactory(appointment=appointment, probability=probability)
    return appointment


class PilotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pilot

    name = factory.Sequence(lambda n: f"Pilot {n}")
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=90))
    seed = 20260101


class CallTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallTask
        skip_postgeneration_save = True

    team = factory.SubFactory(TeamFactory)
    appointment = factory.LazyFunction(lambda: scored_appointment())
    patient = factory.SelfAttribute("appointment.patient")
    list_date = factory.LazyFunction(timezone.localdate)
    priority = factory.LazyAttribute(lambda o: o.appointment.risk_score.probability)

    @factory.post_generation
    def covering(self, create, extracted, **kwargs):
        if create:
            self.appointments.set(extracted or [self.appointment])
