"""Reads for SMS pages."""

from __future__ import annotations

from django.db.models import QuerySet

from reminders.models import InboundAction, InboundMessage


def replies_for_team_lead(*, include_read: bool = False) -> QuerySet[InboundMessage]:
    """Texts Attend could not act on by itself, newest first, unread unless asked."""
    replies = InboundMessage.objects.filter(action=InboundAction.FOR_TEAM_LEAD).select_related("patient")
    return replies if include_read else replies.filter(read_at__isnull=True)
