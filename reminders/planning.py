"""Which reminders an appointment gets, when they are due, and when one must not be sent.

Planning runs nightly (and from `send_reminders`): one row per (appointment, rule),
enforced by the database, so planning twice plans nothing new. Whether a reminder may
still go is decided again at the moment it is sent (`skip_reason`), because a patient
can opt out and an appointment can be cancelled between the two.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from appointments.changes import AppointmentChanges
from appointments.models import ATTENDED_CODES, CANCELLED_CODES, HAPPENED_CODES, Appointment, AttendanceCode
from appointments.working_days import TrustCalendar, trust_calendar
from config.localtime import local_day_bounds, local_zone
from patients.identifiers import PhoneKind, parse_phone, phone_kind
from reminders.config import ReminderRule, due_at_for, reminder_rules
from reminders.models import Reminder, ReminderStatus
from reminders.transitions import reminder_transition, reminders_skip_planned
from risk.models import RiskBand

PATIENT_DECEASED = "patient deceased"
ASKED_FOR_POST = "patient asked for post"


@transaction.atomic
def reminders_plan(*, now: datetime | None = None) -> dict[str, int]:
    """Plan the reminders every upcoming appointment is due under the configured rules.

    A reminder whose day is not a sending day (a bank holiday, a closure, a weekday whose window
    is closed) is due on the sending day before it. A rule with no sending day left before the
    appointment when it is first seen (booked at short notice) is not planned. Planned reminders
    of an appointment that has moved are re-timed to the new start, and those due on a day closed
    since they were planned are brought forward; either is skipped if no sending day is left.
    Raises BankHolidaysUnavailable (planning nothing) when the bank holidays cannot be read.
    """
    now = now or timezone.now()
    rules = reminder_rules()
    if not rules:
        return {"planned": 0, "retimed": 0, "skipped": 0}
    # A fortnight beyond the earliest rule, so a missed nightly run or two loses nothing.
    horizon = now + timedelta(days=max(rule.days_before for rule in rules) + 14)
    calendar = _calendar_from_today(now, horizon)
    appointments = Appointment.objects.upcoming(now).filter(starts_at__lt=horizon)
    rows = list(appointments.values_list("pk", "starts_at", "site_id", "risk_score__band"))
    existing = set(
        Reminder.objects.filter(appointment__in=appointments).values_list("appointment_id", "rule")
    )  # fmt: skip
    new = []
    for appointment_id, starts_at, site_id, band in rows:
        for rule in rules:
            if rule.high_risk_only and band != RiskBand.HIGH:
                continue
            if (appointment_id, rule.name) in existing:
                continue
            due = due_at_for(starts_at, rule, site_id=site_id, calendar=calendar)
            if due is None or due >= starts_at:
                continue
            new.append(
                Reminder(appointment_id=appointment_id, rule=rule.name, due_at=due, appointment_starts_at=starts_at)
            )
    Reminder.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    retimed, skipped = retime_moved(now=now, rules=rules, calendar=calendar)
    brought_forward, closed_skipped = retime_closed(now=now, rules=rules, calendar=calendar)
    return {"planned": len(new), "retimed": retimed + brought_forward, "skipped": skipped + closed_skipped}


def _calendar_from_today(now: datetime, until: datetime) -> TrustCalendar:
    """Today to `until`'s local day: a reminder is never planned before today."""
    return trust_calendar(now.astimezone(local_zone()).date(), until.astimezone(local_zone()).date())


def reminders_follow_changed_appointments(changes: AppointmentChanges) -> dict[str, int]:
    """The importer's announcement (appointments.changes): a cancelled or happened appointment's
    planned reminders are skipped; a moved one's are re-timed to the new start, or skipped if
    their day has gone (the same re-timing the nightly plan does)."""
    now = timezone.now()
    skipped = sum(
        reminders_skip_planned(appointment_ids=ids, reason=reason, now=now)
        for ids, reason in ((changes.cancelled_ids, "appointment cancelled"),
                            (changes.happened_ids, "appointment has happened"))
        if ids
    )  # fmt: skip
    if changes.deceased_patient_ids:
        of_the_deceased = Appointment.objects.filter(patient_id__in=changes.deceased_patient_ids).values("pk")
        skipped += reminders_skip_planned(appointment_ids=of_the_deceased, reason=PATIENT_DECEASED, now=now)
    retimed, moved_skipped = retime_moved(now=now, appointment_ids=changes.moved_ids) if changes.moved_ids else (0, 0)
    return {"reminders_skipped": skipped + moved_skipped, "reminders_retimed": retimed}


def retime_moved(
    *,
    now: datetime,
    appointment_ids: Collection[int] | None = None,
    rules: tuple[ReminderRule, ...] | None = None,
    calendar: TrustCalendar | None = None,
) -> tuple[int, int]:
    """Move planned reminders of moved appointments to their new start, or skip them if their
    day has gone; returns (re-timed, skipped). With `appointment_ids` (the importer names the
    appointments that moved) those are re-timed; without, moves are found by comparing each
    reminder's recorded start with its appointment's."""
    planned = Reminder.objects.filter(status=ReminderStatus.PLANNED, appointment__starts_at__gt=now)
    if appointment_ids is None:
        planned = planned.exclude(appointment_starts_at=None).exclude(appointment_starts_at=F("appointment__starts_at"))
    else:
        planned = planned.filter(appointment_id__in=appointment_ids)
    return _retime(planned, now=now, rules=rules, calendar=calendar, reason=lambda reminder: "appointment moved")


def retime_closed(
    *, now: datetime, rules: tuple[ReminderRule, ...] | None = None, calendar: TrustCalendar
) -> tuple[int, int]:
    """Planned reminders due on a day that became a closure after they were planned (an admin
    entered it, or the bank holidays changed) go on the sending day before it, or are skipped
    with the closure as the reason if none is left; returns (re-timed, skipped)."""
    closed = Q()
    day = calendar.first
    while day <= calendar.last:
        start, end = local_day_bounds(day)
        on_day = Q(due_at__gte=start, due_at__lt=end)
        if not calendar.is_open(day):
            closed |= on_day
        elif sites := calendar.sites_closed_on(day):
            closed |= on_day & Q(appointment__site_id__in=sites)
        day += timedelta(days=1)
    if not closed:
        return 0, 0
    planned = Reminder.objects.filter(closed, status=ReminderStatus.PLANNED, appointment__starts_at__gt=now)

    def reason(reminder: Reminder) -> str:
        local_day = reminder.due_at.astimezone(local_zone()).date()
        closure = calendar.closed_reason(local_day, site_id=reminder.appointment.site_id)
        return f"{closure}, and no sending day is left before it"[:200]

    return _retime(planned, now=now, rules=rules, calendar=calendar, reason=reason)


def _retime(planned, *, now, rules, calendar: TrustCalendar | None, reason) -> tuple[int, int]:
    """Give each planned reminder the due time its rule gives now, or skip it with `reason(reminder)`
    when no sending day is left before its appointment."""
    by_name = {rule.name: rule for rule in (reminder_rules() if rules is None else rules)}
    planned = list(planned.select_related("appointment"))
    if not planned:
        return 0, 0
    latest = max(reminder.appointment.starts_at for reminder in planned)
    if calendar is None or latest.astimezone(local_zone()).date() > calendar.last:
        calendar = _calendar_from_today(now, latest)
    retimed = skipped = 0
    for reminder in planned:
        starts_at = reminder.appointment.starts_at
        rule = by_name.get(reminder.rule)
        due = due_at_for(starts_at, rule, site_id=reminder.appointment.site_id, calendar=calendar) if rule else None
        if due is not None and due < starts_at:
            retimed += Reminder.objects.filter(pk=reminder.pk, status=ReminderStatus.PLANNED).update(
                due_at=due, appointment_starts_at=starts_at, retry_at=None
            )
        else:
            skipped += reminder_transition(
                reminder_id=reminder.pk, to=ReminderStatus.SKIPPED, now=now, skip_reason=reason(reminder)
            )
    return retimed, skipped


def skip_reason(reminder: Reminder, *, now: datetime) -> str:
    """Why this reminder must not be sent now, or "" if it may. Needs appointment and patient loaded."""
    appointment = reminder.appointment
    return (
        appointment_skip_reason(appointment, planned_start=reminder.appointment_starts_at, now=now)
        or (text_recipient(appointment)[1])
    )


def appointment_skip_reason(appointment: Appointment, *, planned_start: datetime | None, now: datetime) -> str:
    """Why no reminder of any kind (text or letter) about `appointment`, planned for an appointment
    starting at `planned_start`, may go now, or "". Needs the patient loaded."""
    patient = appointment.patient
    if patient.deceased:
        return PATIENT_DECEASED
    if appointment.attendance_code == AttendanceCode.ENTERED_IN_ERROR:
        return "appointment withdrawn (recorded in error)"
    if appointment.attendance_code in CANCELLED_CODES:
        return "appointment cancelled"
    if appointment.attendance_code in ATTENDED_CODES:
        return "appointment attended"
    if appointment.attendance_code in HAPPENED_CODES:
        return "appointment has happened"
    if appointment.starts_at <= now:
        return "appointment has passed"
    if planned_start is not None and planned_start != appointment.starts_at:
        return "appointment moved"
    return ""


def text_recipient(appointment: Appointment) -> tuple[str, str]:
    """(the number a reminder about `appointment` goes to, "") or ("", why no text may go).
    A child's goes to their parent or carer's mobile, never to the child's own (patient loaded).
    A patient who asked for post is not texted while Attend holds an address that works (with
    none, a text is better than no reminder at all)."""
    patient = appointment.patient
    if patient.asked_for_post and patient.address_works:
        return "", ASKED_FOR_POST
    if patient.sms_opt_out:
        return "", "patient opted out of SMS"
    if appointment.is_child:
        if not patient.contact_phone:
            return "", "a child: no parent or carer number"
        if phone_kind(patient.contact_phone) != PhoneKind.MOBILE:
            return "", "a child: the parent or carer number is not a mobile"
        return patient.contact_phone, ""
    if not patient.mobile:
        return "", "no mobile number"
    if patient.mobile_unusable:
        return "", "mobile number cannot receive SMS"
    try:
        phone = parse_phone(patient.mobile)
    except ValueError:
        return "", "mobile number is not valid"
    if not phone.is_mobile or phone.e164 != patient.mobile:
        return "", "number is not a mobile in E.164"
    return patient.mobile, ""
