"""Forms of the team pages and of accepting an invitation. They translate input only: the
rules (last lead, who grants what, unique names) live in the services and the models."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from accounts.invitations import NAME_MAX
from reviews import access
from reviews.models import GrantedRole, Team

ROLE_HELP = (
    "Architects create workloads and answer questions. Leads read everything, take milestones, "
    "and manage the team's members. Admins manage every team and the question banks."
)


def role_choices(actor) -> list[tuple[str, str]]:
    return [
        (value, label) for value, label in GrantedRole.choices if access.may_grant(actor, value)
    ]


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name"]
        help_texts = {"name": "Up to 100 characters, unique (case is ignored)."}


class InviteForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    role = forms.ChoiceField(label="Role", help_text=ROLE_HELP)

    def __init__(self, *args: Any, actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(actor)
        self.fields["role"].initial = GrantedRole.ARCHITECT


class RoleForm(forms.Form):
    """The role select of one member row. A role the actor may not grant is a refusal (403)
    in the view, not "Select a valid choice", so every role is a valid choice here."""

    role = forms.ChoiceField(choices=GrantedRole.choices, label="Role")


class AcceptForm(forms.Form):
    name = forms.CharField(
        label="Your name", max_length=2 * NAME_MAX, help_text="As your colleagues know you."
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not a common password, not only digits.",
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("password1") != cleaned.get("password2"):
            raise ValidationError({"password2": "The two passwords differ."})
        if not " ".join(cleaned.get("name", "").split()):
            raise ValidationError({"name": "Enter your name."})
        return cleaned
