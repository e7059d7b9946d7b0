"""Reads for SMS pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Min, Q, QuerySet

from accounts.scopes import patients_in_scope
from config.localtime import local_zone
from patients.models import Patient
from reminders.models import InboundAction, InboundMessage, Reminder, ReminderStatus


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


def reminders_waiting(now: datetime) -> dict[str, Any]:
    """Planned reminders not sent yet, as a JSON-able summary for the commands: how many are due
    by `now` and wait for the sending window (`waiting_for_window`), when that window next opens
    (`sending_from`, ISO 8601, None when nothing waits), how many are due later (`planned_later`)
    and when the first of those is due (`next_due_at`). Raises BankHolidaysUnavailable."""
    from reminders.config import next_sending_start

    planned = Reminder.objects.filter(status=ReminderStatus.PLANNED)
    due = planned.filter(due_at__lte=now).aggregate(count=Count("id"))["count"]
    later = planned.filter(due_at__gt=now).aggregate(count=Count("id"), first=Min("due_at"))
    sending_from = next_sending_start(now) if due else None
    return {
        "waiting_for_window": due,
        "sending_from": sending_from.isoformat() if sending_from else None,
        "planned_later": later["count"],
        "next_due_at": later["first"].isoformat() if later["first"] else None,
    }


def _when(iso: str) -> str:
    local = datetime.fromisoformat(iso).astimezone(local_zone())
    return f"{local:%H:%M} on {local:%A} {local.day} {local:%B}"


def waiting_sentences(summary: dict[str, Any]) -> list[str]:
    """The operator's words for `reminders_waiting`'s summary: the due reminders waiting for the
    sending window and when they go; when the first later one is due."""
    lines = []
    if summary.get("waiting_for_window"):
        count, go = summary["waiting_for_window"], summary.get("sending_from")
        lines.append(
            f"{count} due reminder(s) wait for the sending window; they go from {_when(go)}."
            if go
            else f"{count} due reminder(s) wait: no sending window opens in the next fortnight."
        )
    if summary.get("planned_later"):
        lines.append(
            f"{summary['planned_later']} more are planned; the first is due at {_when(summary['next_due_at'])}."
        )
    return lines
