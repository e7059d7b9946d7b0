from __future__ import annotations

from typing import Any

from django import forms

from appointments.models import Site, Specialty

DATE_INPUT = forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"})


class ReportFilterForm(forms.Form):
    """The dashboard's filters; every field is optional."""

    date_from = forms.DateField(required=False, label="From", widget=DATE_INPUT)
    date_to = forms.DateField(required=False, label="To", widget=DATE_INPUT)
    site = forms.ChoiceField(required=False, label="Site")
    specialty = forms.ChoiceField(required=False, label="Specialty")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["site"].choices = [("", "All sites"), *Site.objects.values_list("ods_code", "name")]
        self.fields["specialty"].choices = [
            ("", "All specialties"),
            *Specialty.objects.values_list("treatment_function_code", "name"),
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            raise forms.ValidationError("The 'from' date must be on or before the 'to' date.")
        return data

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for the selectors: the valid filters given, none if the form is invalid."""
        if not self.is_bound or not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class DisparityTargetForm(forms.Form):
    gap_points = forms.DecimalField(
        label="Target gap (percentage points)",
        min_value=-100,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text="The DNA rate in quintile 1 minus quintile 5 you aim for, e.g. 2.0.",
        widget=forms.NumberInput(attrs={"class": "nhsuk-input--width-5"}),
    )
    note = forms.CharField(required=False, max_length=300, label="Note (optional)")
