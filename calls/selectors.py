"""Reading the call lists: counts, a handler's claimed calls, a team's day, a patient's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet

from accounts.models import Team
from accounts.selectors import team_of
from calls.models import OPEN_CALL_STATUSES, BookingRequest, CallAttempt, CallTask, CallTaskStatus
from reminders.models import Reminder


@dataclass(frozen=True)
class ListCounts:
    to_call: int
    claimed: int
    done: int


def todays_calls(team: Team, day: date) -> QuerySet[CallTask]:
    """The team's list for `day`: open calls (including any left from earlier days) and those closed that day."""
    return CallTask.objects.filter(team=team).filter(
        Q(status__in=OPEN_CALL_STATUSES, list_date__lte=day)
        | Q(status__in=(CallTaskStatus.DONE, CallTaskStatus.CANCELLED), list_date=day)
    )


def list_counts(team: Team, day: date) -> ListCounts:
    counts = todays_calls(team, day).aggregate(
        to_call=Count("pk", filter=Q(status__in=(CallTaskStatus.QUEUED, CallTaskStatus.RETRY))),
        claimed=Count("pk", filter=Q(status=CallTaskStatus.CLAIMED)),
        done=Count("pk", filter=Q(status=CallTaskStatus.DONE)),
    )
    return ListCounts(**counts)


def claimed_by(handler) -> QuerySet[CallTask]:
    return (
        CallTask.objects.filter(claimed_by=handler, status=CallTaskStatus.CLAIMED)
        .select_related("patient", "appointment__clinic")
        .order_by("claimed_at")
    )


def team_day(team: Team, day: date) -> QuerySet[CallTask]:
    return (
        todays_calls(team, day)
        .select_related("patient", "appointment__clinic", "appointment__site", "claimed_by")
        .order_by("status", "-priority", "pk")
    )


def call_for_card(task_id: int) -> CallTask:
    return CallTask.objects.select_related(
        "patient", "appointment__clinic", "appointment__site", "appointment__risk_score", "team"
    ).get(pk=task_id)


def call_visible_to(user: Any, task_id: int) -> CallTask:
    """The call, for its patient card, if `user` may see it: the handler holding it, or a lead of
    its team. Raises CallTask.DoesNotExist (saying which) otherwise, for pages and the API alike."""
    try:
        task = call_for_card(task_id)
    except CallTask.DoesNotExist:
        raise CallTask.DoesNotExist("No such call.") from None
    mine = task.claimed_by_id == user.pk
    leads_it = user.has_perm("accounts.lead_team") and team_of(user) == task.team
    if not (mine or leads_it):
        raise CallTask.DoesNotExist("This call is not yours.")
    return task


def earlier_attempts(task: CallTask) -> QuerySet[CallAttempt]:
    return (
        CallAttempt.objects.filter(task__patient=task.patient_id)
        .select_related("handler")
        .prefetch_related("support_offers")
        .order_by("-recorded_at")
    )


def messages_sent(task: CallTask) -> QuerySet[Reminder]:
    return (
        Reminder.objects.filter(appointment__patient=task.patient_id)
        .exclude(sent_at__isnull=True)
        .order_by("-sent_at")[:10]
    )


def booking_requests_open() -> QuerySet[BookingRequest]:
    return (
        BookingRequest.objects.filter(handled_at__isnull=True)
        .select_related("patient", "appointment__clinic", "appointment__site")
        .order_by("created_at")
    )
