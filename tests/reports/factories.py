"""Factories for pilot rows the reports read (kept here so the shared factories file is untouched)."""

from datetime import date

import factory
from django.utils import timezone

from calls.models import CallAttempt, CallResult, CallTask, CallTaskStatus, SupportOffer
from pilots.models import Allocation, Arm, Pilot
from tests.support.factories import AppointmentFactory, TeamFactory, UserFactory


class PilotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pilot

    name = factory.Sequence(lambda n: f"Pilot {n}")
    starts_on = date(2025, 1, 1)
    ends_on = date(2025, 12, 31)


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    pilot = factory.SubFactory(PilotFactory)
    appointment = factory.SubFactory(AppointmentFactory)
    arm = Arm.INTERVENTION
    stratum = 1
    block_number = factory.Sequence(lambda n: n)
    position_in_block = 0
    risk_probability = 0.3


class CallTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallTask

    team = factory.SubFactory(TeamFactory)
    appointment = factory.SubFactory(AppointmentFactory)
    patient = factory.SelfAttribute("appointment.patient")
    list_date = factory.LazyFunction(timezone.localdate)
    priority = 0.3
    status = CallTaskStatus.DONE


class CallAttemptFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CallAttempt

    task = factory.SubFactory(CallTaskFactory)
    handler = factory.SubFactory(UserFactory)
    result = CallResult.REACHED


class SupportOfferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportOffer

    attempt = factory.SubFactory(CallAttemptFactory)
    appointment = factory.SelfAttribute("attempt.task.appointment")
    support_type = "transport_routes"
