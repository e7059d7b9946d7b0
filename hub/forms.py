from __future__ import annotations

from datetime import date
from typing import Any

from django import forms

from hub.selectors import Period

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


MONTH_INPUT = forms.DateInput(attrs={"type": "month", "class": "nhsuk-input--width-10"})


class PeriodForm(forms.Form):
    """Months to compare over, inclusive; blank for every month held."""

    month_from = forms.CharField(required=False, label="From month", widget=MONTH_INPUT)
    month_to = forms.CharField(required=False, label="To month", widget=MONTH_INPUT)

    def _month(self, name: str) -> date | None:
        value = (self.cleaned_data.get(name) or "").strip()
        if not value:
            return None
        try:
            return date.fromisoformat(f"{value[:7]}-01")
        except ValueError:
            raise forms.ValidationError(f"{value!r} is not a month: give it as YYYY-MM.") from None

    def clean_month_from(self) -> date | None:
        return self._month("month_from")

    def clean_month_to(self) -> date | None:
        return self._month("month_to")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("month_from") and data.get("month_to") and data["month_from"] > data["month_to"]:
            raise forms.ValidationError("The 'from' month must be on or before the 'to' month.")
        return data

    def period(self) -> Period:
        if not self.is_bound or not self.is_valid():
            return Period()
        return Period(self.cleaned_data.get("month_from"), self.cleaned_data.get("month_to"))


class SpecialtyChoiceForm(forms.Form):
    """The funnel plots' specialty (drawn beside the months; the view reads and checks the choice)."""

    specialty = forms.ChoiceField(label="Specialty (treatment function)", required=False)

    def __init__(self, *, specialties: list[str], chosen: str | None) -> None:
        super().__init__(initial={"specialty": chosen or ""}, auto_id="hub-%s")
        self.fields["specialty"].choices = [("", "All specialties"), *((code, code) for code in specialties)]


class PilotChoiceForm(forms.Form):
    """The pilot compared across trusts (drawn beside the months; the view reads and checks the choice)."""

    pilot = forms.ChoiceField(label="Pilot (by its name at the trusts)", required=False)

    def __init__(self, *, pilots: list[str], chosen: str | None) -> None:
        super().__init__(initial={"pilot": chosen or ""}, auto_id="hub-%s")
        self.fields["pilot"].choices = [(name, name) for name in pilots]


class AggregateUploadForm(forms.Form):
    file = forms.FileField(
        label="Aggregate file (JSON)",
        help_text="A member trust's export, as it was sent.",
        widget=forms.FileInput,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB: not an aggregate file."
            )
        return upload
