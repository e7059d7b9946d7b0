"""The post room's form: which day's batch of letters to show."""

from __future__ import annotations

from datetime import date

from django import forms


class BatchDayForm(forms.Form):
    day = forms.DateField(
        label="Another day's batch",
        widget=forms.DateInput(attrs={"type": "date", "class": "nhsuk-input--width-10"}, format="%Y-%m-%d"),
    )

    def __init__(self, *, day: date) -> None:
        super().__init__(initial={"day": day}, auto_id="batch-%s")


class ReturnedLettersForm(forms.Form):
    file = forms.FileField(
        label="Returned letters (CSV)",
        help_text="Notify's returned letters report, or a list with a Reference column (attend-letter-…).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
