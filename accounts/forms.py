"""Forms of the account pages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm

from .throttling import client_address, login_blocked, login_failed, login_succeeded


class SignUpForm(UserCreationForm):
    email = forms.EmailField(
        help_text="For the password reset link and order news; never shown to anyone.", required=True
    )

    # django-stubs leave out the Meta that UserCreationForm has at run time.
    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]
        model = get_user_model()
        fields = ("username", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("An account with this e-mail address exists; log in instead.")
        return email


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's log-in form, refusing further attempts after too many failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "%(message)s",
    }

    def clean(self):
        username = self.data.get("username", "")
        address = client_address(self.request) if self.request else "unknown"
        blocked = login_blocked(username=username, address=address)
        if blocked:
            raise forms.ValidationError(
                self.error_messages["throttled"], code="throttled", params={"message": blocked.message}
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            login_failed(username=username, address=address)
            raise
        login_succeeded(username=username, address=address)
        return cleaned
