"""Forms of the staff actions on orders in the admin."""

from __future__ import annotations

from django import forms


class CancelForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Sent to the customer with the cancellation and kept on the timeline.",
    )
