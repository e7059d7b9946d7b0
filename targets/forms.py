from __future__ import annotations

from typing import Any

from django import forms

from targets.models import Scope
from targets.services import possible_owners, subject_choices

MONTH_FORMATS = ["%Y-%m", "%Y-%m-%d"]


class MonthField(forms.DateField):
    """A calendar month ("2025-04"), as the first day of it."""

    widget = forms.DateInput(attrs={"type": "month", "class": "nhsuk-input--width-10"}, format="%Y-%m")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=MONTH_FORMATS, **kwargs)

    def to_python(self, value: Any) -> Any:
        day = super().to_python(value)
        return day.replace(day=1) if day else day


def _gap_field(label: str, help_text: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=-100,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-10"}),
    )


class TrajectoryForm(forms.Form):
    """The owner (admins only may choose), the trajectory and a note: what changing a target changes."""

    owner = forms.ModelChoiceField(queryset=None, label="Owner", help_text="The director accountable for the target.")
    baseline_month = MonthField(label="Baseline month", help_text="The month the trajectory starts from, e.g. 2025-04.")
    baseline_gap_points = _gap_field(
        "Gap in the baseline month (percentage points)", "The quintile 1 − quintile 5 DNA rate gap then, e.g. 8.5."
    )
    target_month = MonthField(label="Target month", help_text="The month the target gap is due, e.g. 2026-03.")
    target_gap_points = _gap_field("Target gap (percentage points)", "The gap to reach by then, e.g. 4.0.")
    note = forms.CharField(required=False, max_length=300, label="Note (optional)")

    def __init__(self, *args: Any, may_name_owner: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        owner.queryset = possible_owners()
        owner.label_from_instance = lambda user: user.get_full_name() or user.get_username()
        if not may_name_owner:
            del self.fields["owner"]  # a director's targets are their own

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("baseline_month"), data.get("target_month")
        if start and end and end <= start:
            self.add_error("target_month", "The target month must come after the baseline month.")
        return data


class NewTargetForm(TrajectoryForm):
    scope = forms.ChoiceField(
        choices=Scope.choices,
        label="The target is for a",
        widget=forms.RadioSelect(attrs={"class": "nhsuk-radios--inline"}),
    )
    division = forms.ModelChoiceField(queryset=None, required=False, label="Division")
    specialty = forms.ModelChoiceField(queryset=None, required=False, label="Specialty")
    site = forms.ModelChoiceField(queryset=None, required=False, label="Site")

    field_order = ["scope", "division", "specialty", "site"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for scope, queryset in subject_choices().items():
            self.fields[scope].queryset = queryset
        self.order_fields(self.field_order)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scope = data.get("scope")
        if scope and not data.get(scope):
            self.add_error(scope, f"Choose the {Scope(scope).label.lower()} the target is for.")
        return data

    @property
    def subject(self) -> Any:
        return self.cleaned_data[self.cleaned_data["scope"]]
