from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Team
from appointments.models import Appointment
from patients.models import Patient


class CallTaskReason(models.TextChoices):
    HIGH_RISK = "high_risk", "High risk of missing the appointment"
    PATIENT_ASKED = "patient_asked", "The patient asked for a call (SMS reply)"


class CallTaskStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to be called"
    CLAIMED = "claimed", "Being called"
    RETRY = "retry", "No answer: to be tried again"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "No longer needed"


# Why a call closes when its appointments go (the import, the night's build, an attempt),
# and when the patient asks not to be called.
APPOINTMENT_GONE = "appointment cancelled or happened"
ASKED_NOT_TO_BE_CALLED = "the patient asked not to be called"

OPEN_CALL_STATUSES = (CallTaskStatus.QUEUED, CallTaskStatus.CLAIMED, CallTaskStatus.RETRY)
CLAIMABLE_STATUSES = (CallTaskStatus.QUEUED, CallTaskStatus.RETRY)
CLOSED_STATUSES = (CallTaskStatus.DONE, CallTaskStatus.CANCELLED)


class CallTaskQuerySet(models.QuerySet["CallTask"]):
    """The states people talk about. Status writes are calls.transitions' alone."""

    def open(self) -> CallTaskQuerySet:
        """Still to be made or being made: waiting, being called, or to be tried again."""
        return self.filter(status__in=OPEN_CALL_STATUSES)

    def waiting(self) -> CallTaskQuerySet:
        """Open and not held by anyone (waiting, or to be tried again later)."""
        return self.filter(status__in=CLAIMABLE_STATUSES)

    def claimable(self, now: datetime) -> CallTaskQuerySet:
        """Waiting, on a list for today or earlier, and not held back for a retry."""
        return (
            self.waiting()
            .filter(list_date__lte=timezone.localdate(now))
            .filter(models.Q(not_before__isnull=True) | models.Q(not_before__lte=now))
        )

    def claimed_by(self, user: Any) -> CallTaskQuerySet:
        """The calls `user` holds now (a claim ends with every exit from "claimed")."""
        return self.filter(status=CallTaskStatus.CLAIMED, claimed_by=user)

    def on_list(self, team: Team, day: date) -> CallTaskQuerySet:
        """The team's list for `day`: open calls (with any left from earlier days) and those closed that day."""
        return self.filter(team=team).filter(
            models.Q(status__in=OPEN_CALL_STATUSES, list_date__lte=day)
            | models.Q(status__in=CLOSED_STATUSES, list_date=day)
        )

    def no_longer_needed(self, now: datetime) -> CallTaskQuerySet:
        """Open calls none of whose appointments is upcoming any more (cancelled, moved away or happened)."""
        still_upcoming = Appointment.objects.upcoming(now).filter(covering_call_tasks=models.OuterRef("pk"))
        return self.open().filter(~models.Exists(still_upcoming))

    def for_patient(self, patient: Patient | int) -> CallTaskQuerySet:
        return self.filter(patient=patient)

    def of_patients_not_to_call(self) -> CallTaskQuerySet:
        """Calls to patients who asked not to be called (DoNotCall in force)."""
        return self.filter(models.Exists(DoNotCall.objects.in_force().filter(patient=models.OuterRef("patient"))))

    def of_patients_to_call(self) -> CallTaskQuerySet:
        return self.filter(~models.Exists(DoNotCall.objects.in_force().filter(patient=models.OuterRef("patient"))))


class CallTask(models.Model):
    """One call to make to one patient, covering all their upcoming appointments."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="call_tasks")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="call_tasks")
    appointment = models.ForeignKey(
        Appointment,
        on_delete=models.PROTECT,
        related_name="call_tasks",
        help_text="The appointment that put them on the list.",
    )
    appointments = models.ManyToManyField(Appointment, related_name="covering_call_tasks", blank=True)
    list_date = models.DateField(help_text="The day's list this call is on.")
    reason = models.CharField(max_length=16, choices=CallTaskReason.choices, default=CallTaskReason.HIGH_RISK)
    priority = models.FloatField(help_text="Higher is called first: the risk probability.")
    status = models.CharField(max_length=10, choices=CallTaskStatus.choices, default=CallTaskStatus.QUEUED)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="claimed_calls"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    attempts_made = models.PositiveSmallIntegerField(default=0)
    not_before = models.DateTimeField(null=True, blank=True, help_text="A retried call comes back after this time.")
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CallTaskQuerySet.as_manager()

    class Meta:
        db_table = "outreach_calltask"
        indexes = [
            models.Index(fields=["team", "list_date", "status", "-priority"], name="calltask_worklist"),
            models.Index(fields=["patient", "created_at"], name="calltask_patient_created"),
            # Claim-next: the team's waiting calls in priority order, without a sort.
            models.Index(
                "team",
                models.F("priority").desc(),
                "id",
                name="calltask_claimable",
                condition=models.Q(status__in=["queued", "retry"]),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status__in=["queued", "claimed", "retry"]),
                name="one_open_call_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"Call {self.patient_id} on {self.list_date} ({self.status})"


# Free text a handler types about a patient is bounded: a call's notes, and a support offer's detail.
NOTES_MAX_LENGTH = 2000
DETAIL_MAX_LENGTH = 500


class CallResult(models.TextChoices):
    REACHED = "reached", "Reached the patient"
    NO_ANSWER = "no_answer", "No answer"
    VOICEMAIL = "voicemail", "Left a voicemail"
    WRONG_NUMBER = "wrong_number", "Wrong number"
    DECLINED = "declined", "Patient declined to talk"


class Intention(models.TextChoices):
    WILL_ATTEND = "will_attend", "Will attend"
    REBOOK = "rebook", "Wants to rebook"
    CANCEL = "cancel", "Wants to cancel"
    UNSURE = "unsure", "Not sure yet"


class CallAttempt(models.Model):
    """One try at calling a patient, and what came of it."""

    task = models.ForeignKey(CallTask, on_delete=models.PROTECT, related_name="attempts")
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="call_attempts")
    result = models.CharField(max_length=12, choices=CallResult.choices)
    intention = models.CharField(max_length=12, choices=Intention.choices, blank=True)
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outreach_callattempt"
        ordering = ["recorded_at"]

    def __str__(self) -> str:
        return f"{self.task_id}: {self.result}"


class SupportType(models.TextChoices):
    TRANSPORT_ROUTES = "transport_routes", "Transport routes"
    TRAVEL_COSTS = "travel_costs", "Travel-cost reimbursement (Healthcare Travel Costs Scheme)"
    PATIENT_TRANSPORT = "patient_transport", "Patient transport eligibility"
    INTERPRETER = "interpreter", "Interpreter"
    ACCESSIBLE_INFORMATION = "accessible_information", "Accessible information"
    CARER_CHILDCARE = "carer_childcare", "Carer or childcare"
    OTHER = "other", "Other"


class SupportStatus(models.TextChoices):
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    ARRANGED = "arranged", "Arranged"
    USED = "used", "Used on the day"
    DECLINED = "declined", "Declined"


# What a call can record: "used" is known only after the appointment (support_offer_update).
STATUSES_ON_A_CALL = [choice for choice in SupportStatus.choices if choice[0] != SupportStatus.USED]


class SupportOffer(models.Model):
    """Help offered on a call, and how far it got: offered → accepted → arranged → used on the day
    (or declined). "Used" is recorded after the appointment, so the evaluation can tell support that
    was arranged from support the patient actually had."""

    attempt = models.ForeignKey(CallAttempt, on_delete=models.PROTECT, related_name="support_offers")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="support_offers")
    support_type = models.CharField(max_length=24, choices=SupportType.choices)
    status = models.CharField(max_length=10, choices=SupportStatus.choices, default=SupportStatus.OFFERED)
    language = models.CharField(max_length=8, blank=True, help_text="For an interpreter: ISO 639-1 code.")
    detail = models.CharField(max_length=500, blank=True, help_text="For 'other', what was offered.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "outreach_supportoffer"
        constraints = [
            models.UniqueConstraint(fields=["attempt", "support_type"], name="support_offer_once_per_attempt")
        ]

    def __str__(self) -> str:
        return f"{self.support_type} ({self.status})"


class BookingRequestKind(models.TextChoices):
    REBOOK = "rebook", "Rebook"
    CANCEL = "cancel", "Cancel"
    # The call list would have called them, but the PAS holds no number to call: ask for one at
    # the next contact, or write (the patient is not given a call-list slot).
    CONTACT = "contact", "No number to call: get a number or write"


class BookingRequest(models.Model):
    """A patient's request to rebook or cancel, for the booking team to action in the PAS."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="booking_requests")
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="booking_requests"
    )
    kind = models.CharField(max_length=7, choices=BookingRequestKind.choices)
    source = models.CharField(
        max_length=10, choices=[("call", "Phone call"), ("sms", "SMS reply"), ("list", "Call list")]
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        db_table = "outreach_bookingrequest"
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind} request for {self.patient_id}"


class TeamCapacity(models.Model):
    """How many call handlers a team has on shift on a day; the day's list holds
    handlers on shift × the team's calls per handler."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="capacities")
    day = models.DateField()
    handlers_on_shift = models.PositiveSmallIntegerField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "outreach_teamcapacity"
        verbose_name_plural = "team capacities"
        constraints = [models.UniqueConstraint(fields=["team", "day"], name="one_capacity_per_team_day")]

    def __str__(self) -> str:
        return f"{self.team} on {self.day}: {self.handlers_on_shift} on shift"


class DoNotCallSource(models.TextChoices):
    CALL = "call", "Asked on a call"
    TEAM_LEAD = "team_lead", "Recorded by a team lead"


class DoNotCallQuerySet(models.QuerySet["DoNotCall"]):
    def in_force(self) -> DoNotCallQuerySet:
        return self.filter(lifted_at__isnull=True)


class DoNotCall(models.Model):
    """A patient's wish not to be phoned, with when, how and by whom it was recorded.

    Calls only: texts and letters go on (an SMS STOP is the SMS channel's own opt-out,
    Patient.sms_opt_out, and never stops calls). While one is in force no call is built,
    claimed or taken for the patient; lifting it keeps the row, so the history stays."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="do_not_call")
    recorded_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=DoNotCallSource.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    attempt = models.ForeignKey(
        CallAttempt, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text="The call on which the patient asked.",
    )  # fmt: skip
    note = models.CharField(max_length=200, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_why = models.CharField(max_length=200, blank=True)

    objects = DoNotCallQuerySet.as_manager()

    class Meta:
        verbose_name = "do not call"
        verbose_name_plural = "do not call"
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=models.Q(lifted_at__isnull=True), name="one_do_not_call_in_force"
            )
        ]

    def __str__(self) -> str:
        return f"Do not call {self.patient_id} ({self.get_source_display()}, {self.recorded_at:%d %b %Y})"
