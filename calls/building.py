"""Filling the day's call lists: who is called, in which order, and how many.

`build_worklists(day=…)` is what the morning task and `manage.py build_worklists` run.
It is idempotent: a second run on the same day adds only what has become eligible
since and never exceeds a team's capacity.

The rules, in order:
1. Open calls that are no longer needed (every appointment they cover was cancelled,
   moved away or has happened) are cancelled, and so are those to patients who asked not to
   be called (calls.models.DoNotCall). An SMS opt-out (STOP) stops texts only: the patient
   is still called.
2. Open calls left on earlier days' lists move to this day's list; claims left over
   from an earlier day are released.
0. On a day the call team does not work (a weekday outside ATTEND_CALL_DAYS, a bank holiday
   or a trust-wide closure) nothing is built, and the summary says why (calls/call_days.py).
3. Upcoming appointments `ATTEND_CALL_DAYS_AHEAD_MIN`–`MAX` working days after `day` with a
   risk score are considered. An appointment within a running pilot's scope is eligible by
   that pilot's rule and is allocated to an arm (once, see pilots.allocation);
   the control arm gets no call. Outside every pilot, appointments at or above
   `ATTEND_CALL_MINIMUM_BAND` are eligible.
4. A patient with any control-arm appointment ahead gets no call (so the control arm
   stays standard care); a patient called in the last `ATTEND_CALL_MIN_DAYS_BETWEEN`
   days is not called again; a patient already on a list has the new appointments
   added to that call.
5. One call per patient covers all their upcoming appointments; calls are ranked by
   the patient's highest risk, and each goes to the team that covers its appointment's site
   and specialty (calls/routing.py; the trust's default team when none does), up to that
   team's handlers on shift × calls each. A call whose teams are all full is counted
   `over_capacity`; one no team covers (and no default team) `no_team_covers`.
6. A patient who asked not to be called is not given a slot (`asked_not_to_be_called`).
7. A patient with no number to call (no mobile and no other number) is given no slot: they
   are counted (`no_number_to_call`) and listed once for the booking team, who ask for a
   number at the next contact or write (a BookingRequest of kind `contact`).
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Team
from accounts.selectors import call_handlers_in
from appointments.models import Appointment
from appointments.working_days import trust_calendar
from calls.call_days import list_window, not_a_call_day
from calls.models import (
    APPOINTMENT_GONE,
    ASKED_NOT_TO_BE_CALLED,
    BookingRequest,
    BookingRequestKind,
    CallTask,
    CallTaskStatus,
    DoNotCall,
    TeamCapacity,
)
from calls.routing import teams_for
from calls.transitions import calls_transition
from patients.models import Patient
from pilots.allocation import allocate
from pilots.models import Arm, Eligibility, Pilot
from pilots.selectors import bands_at_or_above, in_scope, pilots_running

logger = logging.getLogger(__name__)


def team_capacity(team: Team, day: date) -> int:
    """Calls the team can make on `day`: handlers on shift × calls per handler.

    Without a capacity set for the day, every call handler in the team counts as on shift
    (its team lead and any other members do not make calls).
    """
    row = TeamCapacity.objects.filter(team=team, day=day).first()
    handlers = row.handlers_on_shift if row is not None else call_handlers_in(team).count()
    return handlers * team.calls_per_handler


def _close_unneeded(now: datetime) -> int:
    gone = CallTask.objects.no_longer_needed(now)
    closed = calls_transition(
        CallTask.objects.filter(pk__in=gone.values("pk")), to=CallTaskStatus.CANCELLED, now=now,
        close_reason=APPOINTMENT_GONE,
    )  # fmt: skip
    return closed + calls_transition(
        CallTask.objects.open().of_patients_not_to_call(), to=CallTaskStatus.CANCELLED, now=now,
        close_reason=ASKED_NOT_TO_BE_CALLED,
    )  # fmt: skip


def _carry_over(day: date) -> int:
    """Open calls from earlier days move onto today's list; a claim left overnight goes back on it."""
    earlier = CallTask.objects.open().filter(list_date__lt=day)
    calls_transition(earlier.filter(status=CallTaskStatus.CLAIMED), to=CallTaskStatus.QUEUED)
    return earlier.update(list_date=day)


def _window(day: date, now: datetime) -> list[Appointment]:
    first, last = list_window(day)
    return list(
        Appointment.objects.upcoming(now)
        .between(first, last)
        .filter(risk_score__isnull=False)
        .select_related("patient", "risk_score", "site", "specialty")
        .order_by("starts_at", "pk")
    )


def _pilot_eligible(pilot: Pilot, appointments: list[Appointment], capacity: int) -> list[Appointment]:
    if pilot.eligibility == Eligibility.TOP_N:
        # Enough appointments that the intervention arm's share fills the call capacity.
        ratio = pilot.intervention_weight + pilot.control_weight
        wanted = math.ceil(capacity * ratio / max(pilot.intervention_weight, 1))
        ranked = sorted(appointments, key=lambda a: (-a.risk_score.probability, a.starts_at, a.pk))
        return ranked[:wanted]
    bands = bands_at_or_above(pilot.minimum_band)
    return [a for a in appointments if a.risk_score.band in bands]


def _select_eligible(day: date, window: list[Appointment], capacity: int, summary: Counter) -> list[Appointment]:
    """The window's appointments that should be called about; allocates pilot arms on the way."""
    remaining = list(window)
    to_call: list[Appointment] = []
    control_patients: set[int] = set()
    for pilot in pilots_running(day):
        mine = [a for a in remaining if in_scope(pilot, a)]
        remaining = [a for a in remaining if not in_scope(pilot, a)]
        eligible = _pilot_eligible(pilot, mine, capacity)
        arms = allocate(pilot=pilot, appointments=eligible)
        for appointment in eligible:
            summary[f"allocated_{arms[appointment.pk]}"] += 1
            if arms[appointment.pk] == Arm.CONTROL:
                control_patients.add(appointment.patient_id)
            else:
                to_call.append(appointment)
    bands = bands_at_or_above(settings.ATTEND_CALL_MINIMUM_BAND)
    to_call += [a for a in remaining if a.risk_score.band in bands]
    summary["control_patients_skipped"] = len({a.patient_id for a in to_call} & control_patients)
    return [a for a in to_call if a.patient_id not in control_patients]


def _link(pairs: Iterable[tuple[int, int]]) -> None:
    """Calls cover appointments: (call id, appointment id) links in one INSERT; existing ones are kept."""
    CallTask.appointments.through.objects.bulk_create(
        (CallTask.appointments.through(calltask_id=task_id, appointment_id=appointment_id)
         for task_id, appointment_id in pairs),
        ignore_conflicts=True,
    )  # fmt: skip


def _add_to_open_calls(by_patient: dict[int, list[Appointment]]) -> int:
    """Patients already on a list: the call covers the new appointments too."""
    open_calls = list(CallTask.objects.open().filter(patient_id__in=by_patient))
    raised = []
    links = []
    for task in open_calls:
        appointments = by_patient.pop(task.patient_id)
        links += [(task.pk, a.pk) for a in appointments]
        best = max(a.risk_score.probability for a in appointments)
        if best > task.priority:
            task.priority = best
            raised.append(task)
    _link(links)
    CallTask.objects.bulk_update(raised, ["priority"])
    return len(open_calls)


def _recently_called(day: date, patient_ids: list[int]) -> set[int]:
    since = day - timedelta(days=settings.ATTEND_CALL_MIN_DAYS_BETWEEN)
    recent = (
        CallTask.objects.filter(patient_id__in=patient_ids, list_date__gt=since)
        .exclude(status=CallTaskStatus.CANCELLED, attempts_made=0)
        .values_list("patient_id", flat=True)
    )
    return set(recent)


@transaction.atomic
def build_worklists(*, day: date | None = None, now: datetime | None = None) -> dict[str, int | str]:
    """Fill `day`'s call lists (default today); returns counts of what was done, or, on a day
    the call team does not work, `closed` with the reason and nothing done. Raises
    BankHolidaysUnavailable (building nothing) when the bank holidays cannot be read."""
    day = day or timezone.localdate()
    now = now or timezone.now()
    closed = not_a_call_day(day, trust_calendar(day, day))
    if closed:
        logger.info("No call lists built for %s: %s", day, closed)
        return {"calls_created": 0, "closed": closed}
    summary: Counter = Counter()
    # Two builds at once (a manual run during the morning task) take turns, so neither
    # trips over the other's new calls.
    teams = list(Team.objects.select_for_update().order_by("pk"))
    summary["calls_cancelled"] = _close_unneeded(now)
    summary["calls_carried_over"] = _carry_over(day)

    room = {}
    for team in teams:
        on_list = CallTask.objects.open().filter(team=team, list_date=day).count()
        room[team.pk] = max(team_capacity(team, day) - on_list, 0)

    window = _window(day, now)
    summary["appointments_considered"] = len(window)
    eligible = _select_eligible(day, window, sum(team_capacity(t, day) for t in teams), summary)

    by_patient: dict[int, list[Appointment]] = {}
    for appointment in eligible:
        by_patient.setdefault(appointment.patient_id, []).append(appointment)
    summary["open_calls_extended"] = _add_to_open_calls(by_patient)
    recent = _recently_called(day, list(by_patient))
    summary["recently_called_skipped"] = len(recent & set(by_patient))
    ranked = sorted(
        (
            (max(a.risk_score.probability for a in appts), patient_id, appts)
            for patient_id, appts in by_patient.items()
            if patient_id not in recent
        ),
        key=lambda row: (-row[0], min(a.starts_at for a in row[2]), row[1]),
    )
    upcoming = _all_upcoming(list(by_patient), now)
    no_number = set(
        Patient.objects.without_number_to_call().filter(pk__in=[row[1] for row in ranked]).values_list("pk", flat=True)
    )
    not_to_call = set(
        DoNotCall.objects.in_force()
        .filter(patient_id__in=[row[1] for row in ranked])
        .values_list("patient_id", flat=True)
    )
    new_calls: list[tuple[CallTask, list[Appointment]]] = []
    to_write_to: list[tuple[int, Appointment]] = []
    for priority, patient_id, appts in ranked:
        first = min(appts, key=lambda a: (a.starts_at, a.pk))
        if patient_id in not_to_call:
            summary["asked_not_to_be_called"] += 1
            continue
        if patient_id in no_number:
            to_write_to.append((patient_id, first))
            continue
        covering = teams_for(first, teams)
        team = next((t for t in covering if room[t.pk] > 0), None)
        if team is None:
            summary["over_capacity" if covering else "no_team_covers"] += 1
            continue
        room[team.pk] -= 1
        task = CallTask(team=team, patient_id=patient_id, appointment=first, list_date=day, priority=priority)
        new_calls.append((task, upcoming.get(patient_id, appts)))
    CallTask.objects.bulk_create([task for task, _ in new_calls])
    _link((task.pk, a.pk) for task, covering in new_calls for a in covering)
    summary["calls_created"] = len(new_calls)
    summary["no_number_to_call"] = len(to_write_to)
    summary["listed_for_booking_team"] = _list_for_booking_team(to_write_to)
    return dict(summary)


def _list_for_booking_team(patients: list[tuple[int, Appointment]]) -> int:
    """One open "no number to call" request per patient (a later build does not repeat it)."""
    listed = set(
        BookingRequest.objects.filter(
            kind=BookingRequestKind.CONTACT, handled_at__isnull=True, patient_id__in=[p for p, _ in patients]
        ).values_list("patient_id", flat=True)
    )
    new = [
        BookingRequest(patient_id=patient_id, appointment=appointment, kind=BookingRequestKind.CONTACT, source="list")
        for patient_id, appointment in patients
        if patient_id not in listed
    ]
    BookingRequest.objects.bulk_create(new)
    return len(new)


def _all_upcoming(patient_ids: list[int], now: datetime) -> dict[int, list[Appointment]]:
    result: dict[int, list[Appointment]] = {}
    for appointment in Appointment.objects.upcoming(now).filter(patient_id__in=patient_ids).order_by("starts_at"):
        result.setdefault(appointment.patient_id, []).append(appointment)
    return result
