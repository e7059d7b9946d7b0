"""Reads for SMS pages."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from accounts.scopes import patients_in_scope
from patients.models import Patient
from reminders.models import InboundAction, InboundMessage, Reminder


def replies_for_team_lead(user: Any, *, include_read: bool = False) -> QuerySet[InboundMessage]:
    """Texts Attend could not act on by itself, newest first, unread unless asked: those of the
    patients `user` works with (accounts.scopes), and those from a number matching no patient."""
    patients = patients_in_scope(user, Patient.objects.all())
    replies = (
        InboundMessage.objects.filter(action=InboundAction.FOR_TEAM_LEAD)
        .filter(Q(patient__isnull=True) | Q(patient__in=patients))
        .select_related("patient")
    )
    return replies if include_read else replies.filter(read_at__isnull=True)


def reminders_delivery_uncertain() -> int:
    """How many reminders were handed to the provider without Attend learning whether it has
    them (a crash or a broken call, then a provider that could not say): someone must check."""
    return Reminder.objects.filter(delivery_uncertain=True).count()
