"""Removing the outreach records of synthetic demo patients, so `seed_demo` can run again.

Outreach rows protect the appointments and patients they refer to (a real call record
must never vanish with a re-imported appointment); only demo data is ever removed.
"""

from __future__ import annotations

from django.db.models import QuerySet

from outreach.models import Allocation, BookingRequest, CallAttempt, CallTask, SupportOffer


def outreach_remove_for_demo_patients(patients: QuerySet) -> None:
    """Delete calls, attempts, support offers, booking requests and allocations of `patients`."""
    SupportOffer.objects.filter(attempt__task__patient__in=patients).delete()
    SupportOffer.objects.filter(appointment__patient__in=patients).delete()
    CallAttempt.objects.filter(task__patient__in=patients).delete()
    CallTask.objects.filter(patient__in=patients).delete()
    BookingRequest.objects.filter(patient__in=patients).delete()
    Allocation.objects.filter(appointment__patient__in=patients).delete()
