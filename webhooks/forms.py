"""The endpoint form: it only translates input; the rules live in the services."""

from __future__ import annotations

from django import forms

from reviews.models import Team
from webhooks.events import EVENT_LABELS, SUBSCRIBABLE
from webhooks.models import NAME_MAX, URL_MAX


class EndpointForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, help_text="For you: what receives these events.")
    url = forms.URLField(
        label="URL",
        max_length=URL_MAX,
        assume_scheme="https",
        help_text="Each event is POSTed here as JSON. Private and loopback addresses are refused "
        "unless the administrator allowed them (WEBHOOK_ALLOWED_NETWORKS).",
    )
    events = forms.MultipleChoiceField(
        choices=[(e.value, EVENT_LABELS[e]) for e in SUBSCRIBABLE],
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose at least one.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(),
        required=False,
        empty_label="Every team",
        help_text="Send only the events of one team's workloads.",
    )
    is_active = forms.BooleanField(
        label="Active", required=False, initial=True, help_text="Inactive endpoints get nothing."
    )
    rotate_secret = forms.BooleanField(
        label="Generate a new secret",
        required=False,
        help_text="The old secret stops working at once: update the receiver too.",
    )

    def __init__(self, *args, creating: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            del self.fields["rotate_secret"]
