"""The password login form: username, password and, where required, the authenticator code."""

from __future__ import annotations

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError


class PasswordLoginForm(AuthenticationForm):
    otp_token = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=8,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "class": "nhsuk-input--width-10",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9]*",
            }
        ),
    )

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password, and the current code from your authenticator "
        "app where it is asked for.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        username = self.fields["username"].widget.attrs
        username.pop("autofocus", None)
        username.update({"class": "nhsuk-u-width-two-thirds", "autocapitalize": "none", "spellcheck": "false"})
        self.fields["password"].widget.attrs["class"] = "nhsuk-u-width-two-thirds"

    def clean(self):
        username, password = self.cleaned_data.get("username"), self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(
                self.request, username=username, password=password, otp_token=self.cleaned_data.get("otp_token")
            )
            if self.user_cache is None:
                raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
