from __future__ import annotations

from allauth.account.forms import LoginForm
from django import forms

from reviews.models import Team


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(required=False)
    actor = forms.CharField(required=False, max_length=254, label="Who (username)")
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"), required=False, empty_label="Any team"
    )
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, actions: list[str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *((a, a) for a in actions)]

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            raise forms.ValidationError("The start date is after the end date.")
        return cleaned

    def filters(self) -> dict:
        """Keyword arguments for `accounts.selectors.audit_events` (none while invalid)."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "action": data["action"],
            "actor": data["actor"].strip(),
            "team_id": data["team"].pk if data["team"] else None,
            "since": data["since"],
            "until": data["until"],
        }


class SignInForm(LoginForm):
    """allauth's sign-in form with plain labels (its own says "Login")."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = "Username or e-mail"
        login.widget.attrs.update({"placeholder": "", "autocomplete": "username"})
        self.fields["password"].widget.attrs["placeholder"] = ""
