"""API shapes for the call list: separate input and output serializers, no side effects."""

from __future__ import annotations

from rest_framework import serializers

from calls.models import (
    DETAIL_MAX_LENGTH,
    NOTES_MAX_LENGTH,
    STATUSES_ON_A_CALL,
    CallResult,
    CallTask,
    Intention,
    SupportOffer,
    SupportStatus,
    SupportType,
)
from calls.services import AttemptInput, SupportInput
from patients.models import CommunicationNeed, EthnicCategory, PreferredChannel


class PatientOut(serializers.Serializer):
    name = serializers.CharField(source="display_name")
    nhs_number = serializers.CharField()
    hospital_number = serializers.CharField()
    mobile = serializers.CharField(help_text="The number texts go to (E.164), or blank.")
    other_phone = serializers.CharField(help_text="A number to call that is not for texts (E.164), or blank.")
    preferred_language = serializers.CharField()
    interpreter_required = serializers.BooleanField()
    communication_needs = serializers.CharField(help_text="Accessible-information need codes, comma-separated.")
    preferred_channel = serializers.CharField(
        help_text="How the patient would like to be reminded: sms, phone, letter (asked for post) or blank."
    )


class AppointmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    pas_id = serializers.CharField()
    starts_at = serializers.DateTimeField()
    clinic = serializers.CharField(source="clinic.name")
    site = serializers.CharField(source="site.name")
    directions = serializers.CharField(source="site.directions")


class CallOut(serializers.ModelSerializer):
    patient = PatientOut()
    appointment = AppointmentOut()
    claimed_by = serializers.CharField(source="claimed_by.username", default=None, allow_null=True)

    class Meta:
        model = CallTask
        fields = [
            "id",
            "list_date",
            "status",
            "reason",
            "priority",
            "patient",
            "appointment",
            "claimed_by",
            "claimed_at",
            "attempts_made",
            "not_before",
        ]


class SupportOfferOut(serializers.ModelSerializer):
    class Meta:
        model = SupportOffer
        fields = ["id", "attempt", "appointment", "support_type", "status", "language", "detail", "updated_at"]


class CallCardOut(CallOut):
    appointments = serializers.SerializerMethodField()
    reasons = serializers.SerializerMethodField()
    call_script = serializers.SerializerMethodField()

    class Meta(CallOut.Meta):
        fields = [*CallOut.Meta.fields, "appointments", "reasons", "call_script"]

    def get_appointments(self, task: CallTask) -> list[dict]:
        upcoming = task.appointments.upcoming().select_related("clinic", "site").order_by("starts_at")
        return AppointmentOut(upcoming, many=True).data

    def get_reasons(self, task: CallTask) -> list[str]:
        from calls.presenters import PatientCardPresenter

        return PatientCardPresenter(task).reasons

    def get_call_script(self, task: CallTask) -> str:
        from calls.presenters import PatientCardPresenter

        return PatientCardPresenter(task).call_script


class AttemptOut(serializers.Serializer):
    id = serializers.IntegerField()
    result = serializers.CharField()
    intention = serializers.CharField()
    recorded_at = serializers.DateTimeField()
    support_offers = SupportOfferOut(many=True)
    call = CallOut(source="task")


class SupportIn(serializers.Serializer):
    support_type = serializers.ChoiceField(choices=SupportType.choices)
    status = serializers.ChoiceField(
        choices=STATUSES_ON_A_CALL,
        default=SupportStatus.OFFERED,
        help_text="'used' is not accepted here: it is recorded after the appointment (PATCH the support offer).",
    )
    language = serializers.CharField(max_length=8, required=False, allow_blank=True, default="")
    detail = serializers.CharField(max_length=DETAIL_MAX_LENGTH, required=False, allow_blank=True, default="")


class ContactIn(serializers.Serializer):
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, help_text="Must be a mobile.")
    other_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    preferred_language = serializers.CharField(max_length=8, required=False)
    interpreter_required = serializers.BooleanField(required=False)
    ethnic_category = serializers.ChoiceField(
        choices=[("", "Not stated"), *EthnicCategory.choices], required=False, allow_blank=True
    )
    communication_needs = serializers.MultipleChoiceField(
        choices=CommunicationNeed.choices, required=False, help_text="Accessible Information Standard needs."
    )
    preferred_channel = serializers.ChoiceField(
        choices=PreferredChannel.choices, required=False, allow_blank=True,
        help_text="letter: the patient asked for post (a letter instead of texts); calls go on whatever it is.",
    )  # fmt: skip


class AttemptIn(serializers.Serializer):
    result = serializers.ChoiceField(choices=CallResult.choices)
    intention = serializers.ChoiceField(choices=Intention.choices, required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTES_MAX_LENGTH)
    support = SupportIn(many=True, required=False, default=list)
    contact = ContactIn(required=False, default=dict)
    do_not_call = serializers.BooleanField(
        required=False, default=False,
        help_text="The patient asked not to be called again (only when reached or declined): calls stop, texts go on.",
    )  # fmt: skip

    def to_input(self) -> AttemptInput:
        data = self.validated_data
        return AttemptInput(
            result=data["result"],
            intention=data["intention"],
            notes=data["notes"],
            support=[SupportInput(**offer) for offer in data["support"]],
            contact=dict(data["contact"]),
            do_not_call=data["do_not_call"],
        )


class SupportStatusIn(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=SupportStatus.choices, help_text="'used' (on the day) only once the appointment has started."
    )


class ListCountsOut(serializers.Serializer):
    to_call = serializers.IntegerField(help_text="Still to call today: waiting_now + due_later.")
    waiting_now = serializers.IntegerField(help_text="Calls that can be claimed now.")
    due_later = serializers.IntegerField(help_text="Not answered earlier: back on the list later today.")
    next_due_at = serializers.DateTimeField(allow_null=True, help_text="When the next of those comes back.")
    claimed = serializers.IntegerField()
    done = serializers.IntegerField()


class ReassignIn(serializers.Serializer):
    handler = serializers.CharField(help_text="Username of a call handler in the same team.")
