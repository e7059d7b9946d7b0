"""Reading the call lists: counts, a handler's claimed calls, a team's day, a patient's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from accounts.models import Team
from accounts.scopes import patients_in_scope
from accounts.selectors import team_of
from calls.models import CLAIMABLE_STATUSES, BookingRequest, CallAttempt, CallTask, CallTaskStatus, DoNotCall
from letters.models import ChannelPlan, Letter
from patients.models import Patient
from reminders.models import Reminder


@dataclass(frozen=True)
class ListCounts:
    """Where the day's list stands: the page's counts, its empty state and whether "Call next"
    is offered all come from these, so they cannot disagree."""

    waiting_now: int  # can be claimed now
    due_later: int  # not answered earlier: back on the list at `next_due_at`
    next_due_at: datetime | None
    claimed: int
    done: int

    @property
    def to_call(self) -> int:
        """Everything still to call today: waiting now and due again later."""
        return self.waiting_now + self.due_later


def list_counts(team: Team, day: date, now: datetime | None = None) -> ListCounts:
    now = now or timezone.now()
    on_list = CallTask.objects.on_list(team, day)
    held_back = Q(status__in=CLAIMABLE_STATUSES, not_before__gt=now)
    counts = on_list.aggregate(
        waiting_now=Count("pk", filter=Q(pk__in=on_list.claimable(now).values("pk"))),
        due_later=Count("pk", filter=held_back),
        next_due_at=Min("not_before", filter=held_back),
        claimed=Count("pk", filter=Q(status=CallTaskStatus.CLAIMED)),
        done=Count("pk", filter=Q(status=CallTaskStatus.DONE)),
    )
    return ListCounts(**counts)


def claimed_by(handler) -> QuerySet[CallTask]:
    return CallTask.objects.claimed_by(handler).select_related("patient", "appointment__clinic").order_by("claimed_at")


def team_day(team: Team, day: date) -> QuerySet[CallTask]:
    return (
        CallTask.objects.on_list(team, day)
        .select_related("patient", "appointment__clinic", "appointment__site", "claimed_by")
        .order_by("status", "-priority", "pk")
    )


def call_for_card(task_id: int, *, calls: QuerySet[CallTask] | None = None) -> CallTask:
    return (
        (CallTask.objects.all() if calls is None else calls)
        .select_related("patient", "appointment__clinic", "appointment__site", "appointment__risk_score", "team")
        .get(pk=task_id)
    )


def calls_visible_to(user: Any) -> QuerySet[CallTask]:
    """The calls whose patient card `user` may open: those they hold now (a claim ends when the
    call is released, reassigned, tried again later, done or cancelled), and, for a team lead,
    every call of their team in any state. Nobody else's."""
    visible = CallTask.objects.claimed_by(user)
    team = team_of(user)
    if team is not None and user.has_perm("accounts.lead_team"):
        visible = visible | CallTask.objects.filter(team=team)
    return visible


def call_visible_to(user: Any, task_id: int) -> CallTask:
    """The call, for its patient card, if `user` may see it (calls_visible_to). Raises
    CallTask.DoesNotExist (saying which) otherwise, for pages and the API alike."""
    try:
        return call_for_card(task_id, calls=calls_visible_to(user))
    except CallTask.DoesNotExist:
        if CallTask.objects.filter(pk=task_id).exists():
            raise CallTask.DoesNotExist("This call is not yours.") from None
        raise CallTask.DoesNotExist("No such call.") from None


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


def reminders_and_letters_about(appointment_id: int) -> tuple[list[Reminder], list[Letter], ChannelPlan | None]:
    """The appointment's text reminders and letters (oldest first) and its channel plan, for the card."""
    return (
        list(Reminder.objects.filter(appointment_id=appointment_id).order_by("due_at", "pk")),
        list(Letter.objects.filter(appointment_id=appointment_id).order_by("due_on", "pk")),
        ChannelPlan.objects.filter(appointment_id=appointment_id).first(),
    )


def patients_of_team(user: Any, patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """The patients a team lead works with (registered as accounts.scopes' rule): those on their
    team's call lists, and those on no team's list at all (a patient who texted before any list
    held them), so that no request goes unseen."""
    team = team_of(user)
    if team is None:
        return patients.none()
    on_team = CallTask.objects.filter(team=team, patient=OuterRef("pk"))
    on_any = CallTask.objects.filter(patient=OuterRef("pk"))
    return patients.filter(Exists(on_team) | ~Exists(on_any))


def patients_in_scope_of(user: Any) -> QuerySet[Patient]:
    """The patients `user` works with (accounts.scopes), for the lists of patients' requests."""
    return patients_in_scope(user, Patient.objects.all())


def booking_requests_open(user: Any) -> QuerySet[BookingRequest]:
    """Requests not yet actioned in the PAS, of the patients `user` works with."""
    return (
        BookingRequest.objects.filter(handled_at__isnull=True, patient__in=patients_in_scope_of(user))
        .select_related("patient", "appointment__clinic", "appointment__site")
        .order_by("created_at")
    )


def do_not_call_of_team(team: Team) -> QuerySet[DoNotCall]:
    """Patients on the team's lists who asked not to be called (in force), latest first."""
    return (
        DoNotCall.objects.in_force()
        .filter(patient__in=CallTask.objects.filter(team=team).values("patient_id"))
        .select_related("patient", "recorded_by")
        .order_by("-recorded_at")
    )
