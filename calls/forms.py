"""The forms call handlers and team leads fill in; they turn into service inputs."""

from __future__ import annotations

from django import forms

from calls.models import (
    NOTES_MAX_LENGTH,
    STATUSES_ON_A_CALL,
    CallResult,
    CallTask,
    Intention,
    SupportStatus,
    SupportType,
)
from calls.services import AttemptInput, SupportInput
from config.forms import DatalistInput
from patients.identifiers import national_format
from patients.languages import language_choices, language_code, language_name
from patients.models import CommunicationNeed, EthnicCategory, Patient, PreferredChannel

YES_NO = [("yes", "Yes"), ("no", "No")]
PREFERRED_CHANNEL_HINT = "A letter instead of texts when they ask for post; calls go on whatever they choose."


class LanguageField(forms.CharField):
    """A language chosen from the list by name (typing filters it; a code such as pl is taken too),
    cleaned to the code Attend stores. A patient's imported code that is not in the list is kept
    (`keep`), never dropped; anything else not in the list is refused."""

    default_error_messages = {"invalid_choice": "Choose a language from the list."}

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", DatalistInput(attrs={"class": "nhsuk-input--width-20"}))
        super().__init__(**kwargs)
        self.widget.options = [name for _, name in language_choices()]
        self.kept = ""

    def keep(self, code: str) -> bool:
        """Accept (and offer first) the patient's current code even if it is not in the list; True if it is not."""
        if not code or language_code(code) is not None:
            return False
        self.kept = code
        self.widget.options = [code, *self.widget.options]
        return True

    def to_python(self, value) -> str:
        typed = super().to_python(value)
        if not typed:
            return typed
        if code := language_code(typed):
            return code
        if self.kept and typed.casefold() == self.kept.casefold():
            return self.kept
        raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")

    def prepare_value(self, value):
        code = language_code(value) if isinstance(value, str) else None
        return language_name(code) if code else value


def _phone_input() -> forms.TextInput:
    return forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "class": "nhsuk-input--width-20"})


class AttemptForm(forms.Form):
    """One call attempt. Support fields are named `support_<type>` (ticked) and `<type>_status`."""

    result = forms.ChoiceField(
        label="What happened on the call?",
        choices=CallResult.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what happened on the call."},
    )
    intention = forms.ChoiceField(
        label="What does the patient intend?", choices=Intention.choices, widget=forms.RadioSelect, required=False
    )
    interpreter_language = LanguageField(
        label="Interpreter language", help_text="Type to find it, e.g. Polish or British Sign Language.", required=False
    )
    other_detail = forms.CharField(label="Other support: what was offered", max_length=500, required=False)
    do_not_call = forms.BooleanField(
        label="The patient asked not to be called again",
        help_text="Calls stop (texts and letters go on); a team lead can lift it.",
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "nhsuk-checkboxes--small"}),
    )
    notes = forms.CharField(
        label="Notes", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=NOTES_MAX_LENGTH
    )
    mobile = forms.CharField(label="Mobile number (for texts)", max_length=20, required=False, widget=_phone_input())
    other_phone = forms.CharField(
        label="Other number",
        help_text="A landline or second number: called, never texted.",
        max_length=20,
        required=False,
        widget=_phone_input(),
    )
    preferred_language = LanguageField(
        label="Preferred language",
        help_text="Type to find it, e.g. Urdu or British Sign Language.",
        error_messages={"required": "Choose the patient's preferred language from the list."},
    )
    interpreter_required = forms.ChoiceField(
        label="Interpreter needed",
        choices=YES_NO,
        widget=forms.RadioSelect(attrs={"class": "nhsuk-radios--inline"}),
    )
    communication_needs = forms.MultipleChoiceField(
        label="Accessible-information needs",
        choices=CommunicationNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "nhsuk-checkboxes--small"}),
    )
    ethnic_category = forms.ChoiceField(
        label="Ethnic category", choices=[("", "Not stated"), *EthnicCategory.choices], required=False
    )
    preferred_channel = forms.ChoiceField(
        label="How the patient would like to be reminded",
        help_text=PREFERRED_CHANNEL_HINT,
        choices=PreferredChannel.choices,
        required=False,
    )

    def __init__(self, *args, patient: Patient, **kwargs) -> None:
        initial = {
            "mobile": national_format(patient.mobile) if patient.mobile else "",
            "other_phone": national_format(patient.other_phone) if patient.other_phone else "",
            "preferred_language": patient.preferred_language,
            # an interpreter is for the patient's own language, so it is offered ready chosen
            "interpreter_language": patient.preferred_language if patient.interpreter_required else "",
            "interpreter_required": "yes" if patient.interpreter_required else "no",
            "ethnic_category": patient.ethnic_category,
            "communication_needs": [code for code in patient.communication_needs.split(",") if code],
            "preferred_channel": patient.preferred_channel,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["interpreter_language"].keep(patient.preferred_language)
        if self.fields["preferred_language"].keep(patient.preferred_language):
            self.fields[
                "preferred_language"
            ].help_text = (
                f"Recorded as {patient.preferred_language}, which is not in the list: kept unless you choose another."
            )
        for support_type, label in SupportType.choices:
            self.fields[f"support_{support_type}"] = forms.BooleanField(label=label, required=False)
            self.fields[f"{support_type}_status"] = forms.ChoiceField(
                label=f"{label}: status", choices=STATUSES_ON_A_CALL, initial=SupportStatus.OFFERED
            )
            self.fields[f"{support_type}_status"].required = False
            self.fields[f"{support_type}_status"].label_class = "nhsuk-label--s"

    def support_rows(self) -> list[dict]:
        return [
            {"type": value, "tick": self[f"support_{value}"], "status": self[f"{value}_status"]}
            for value in SupportType.values
        ]

    def to_input(self) -> AttemptInput:
        data = self.cleaned_data
        support = [
            SupportInput(
                support_type=value,
                status=data.get(f"{value}_status") or SupportStatus.OFFERED,
                language=data["interpreter_language"] if value == SupportType.INTERPRETER else "",
                detail=data["other_detail"] if value == SupportType.OTHER else "",
            )
            for value in SupportType.values
            if data.get(f"support_{value}")
        ]
        contact = {
            "mobile": data["mobile"],
            "other_phone": data["other_phone"],
            "preferred_language": data["preferred_language"],
            "interpreter_required": data["interpreter_required"] == "yes",
            "ethnic_category": data["ethnic_category"],
            "communication_needs": data["communication_needs"],
            "preferred_channel": data["preferred_channel"],
        }
        return AttemptInput(
            result=data["result"],
            intention=data["intention"],
            notes=data["notes"],
            support=support,
            contact=contact,
            do_not_call=data["do_not_call"],
        )


class PreferredChannelForm(forms.Form):
    """A team lead records how a patient would like to be reminded (from their call's card)."""

    preferred_channel = forms.ChoiceField(
        label="How the patient would like to be reminded",
        help_text=PREFERRED_CHANNEL_HINT,
        choices=PreferredChannel.choices,
        required=False,
        widget=forms.Select(attrs={"id": "lead-preferred-channel"}),
    )


class CapacityForm(forms.Form):
    handlers_on_shift = forms.IntegerField(
        label="Call handlers on shift today",
        min_value=0,
        max_value=500,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-4"}),
    )

    def __init__(self, *args, calls_per_handler: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if calls_per_handler is not None:
            self.fields["handlers_on_shift"].help_text = f"Each handler makes up to {calls_per_handler} calls a day."


class ReassignForm(forms.Form):
    handler = forms.ModelChoiceField(label="Give this call to", queryset=None, empty_label="Choose a call handler")

    def __init__(self, *args, handlers, call: CallTask | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["handler"]
        field.queryset = handlers
        field.label_from_instance = lambda user: user.get_full_name() or user.get_username()
        if call is not None:  # one form a row of the team's list, its label read by screen readers only
            field.widget.attrs["id"] = f"reassign-{call.pk}"
            field.label = f"Give the call to {call.patient.display_name} to"
            field.label_class = "nhsuk-u-visually-hidden"

    @classmethod
    def for_calls(cls, calls: list[CallTask], handlers) -> None:
        """Give each call its own form (`call.reassign_form`), the handlers read from the database once."""
        choices = None
        for call in calls:
            call.reassign_form = cls(handlers=handlers, call=call)
            if choices is None:
                choices = list(call.reassign_form.fields["handler"].choices)
            call.reassign_form.fields["handler"].choices = choices


class PatientSearchForm(forms.Form):
    """Find a patient who rings back (calls.search does the finding)."""

    q = forms.CharField(
        label="Phone number, NHS number, hospital number or name",
        help_text="Patients on your team's call lists. A phone number in any form, or its last 4 digits.",
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "class": "nhsuk-u-width-two-thirds", "autocomplete": "off", "autofocus": True}
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, auto_id="%s", **kwargs)
