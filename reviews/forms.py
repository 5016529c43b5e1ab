"""Forms of the reviews app: workloads and the answer form built from a question's rows."""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator

from questions.models import Choice, LensVersion, Question
from reviews.answer_state import AnswerState
from reviews.models import (
    MAX_ACCOUNT_IDS,
    Answer,
    NotApplicableReason,
    Role,
    Team,
    Workload,
    validate_account_ids,
)
from reviews.services.answers import NOTES_MAX, PRACTICE_NOTE_MAX
from reviews.services.workloads import default_lens_version, published_versions


# --- Workloads --------------------------------------------------------------------------------
class RegionsField(forms.CharField):
    """Comma-separated input, stored as a list of region names."""

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]  # text in, list out
        text = super().to_python(value) or ""
        regions = [part.strip() for part in text.split(",")]
        return list(dict.fromkeys(r for r in regions if r))

    def validate(self, value: list[str]) -> None:
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        too_long = [r for r in value if len(r) > 100]
        if too_long:
            raise ValidationError("Each region name is limited to 100 characters.")
        # CharField's own null-character check looks at str(list), which hides a NUL; the
        # database refuses one inside JSON, so say it here instead of failing on save.
        if any("\x00" in r for r in value):
            raise ValidationError("Region names cannot contain null characters.")


class AccountIdsField(forms.CharField):
    """Account ids separated by commas, spaces or new lines; stored as a list of strings."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return ", ".join(value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]  # text in, list out
        text = super().to_python(value) or ""
        return list(dict.fromkeys(part for part in re.split(r"[\s,;]+", text) if part))

    def validate(self, value: list[str]) -> None:
        validate_account_ids(value)


class LensVersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: LensVersion) -> str:
        label = f" ({obj.label})" if obj.label else ""
        return f"{obj.lens.name} — version {obj.number}{label}"


class WorkloadForm(forms.ModelForm):
    regions = RegionsField(
        required=False,
        max_length=1000,
        help_text="Separate regions with commas, e.g. eu-west-1, eu-central-1.",
    )
    account_ids = AccountIdsField(
        label="AWS account ids",
        required=False,
        max_length=MAX_ACCOUNT_IDS * 14,
        help_text=f"Up to {MAX_ACCOUNT_IDS} ids of 12 digits, separated by commas or spaces.",
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), empty_label=None)
    architectural_design = forms.URLField(
        label="Architectural design link",
        required=False,
        max_length=2048,
        assume_scheme="https",
        help_text="A link to the design document or diagram.",
    )
    lens_version = LensVersionChoiceField(
        queryset=LensVersion.objects.none(),
        empty_label=None,
        label="Lens",
        help_text="The first question bank this workload is reviewed against; add more lenses "
        "on the workload page.",
    )

    class Meta:
        model = Workload
        fields = [
            "name",
            "description",
            "team",
            "environment",
            "lens_version",
            "regions",
            "account_ids",
            "owner",
            "review_owner",
            "architectural_design",
            "industry",
            "notes",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "name": "3 to 100 characters, unique within the team.",
            "description": "3 to 250 characters: what the workload does and for whom.",
            "review_owner": "Who answers for this review.",
            "owner": "Who is accountable for the workload itself (a person or a team).",
        }

    def __init__(self, *args: Any, user, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        creating = self.instance.pk is None
        if creating:
            teams = Team.objects.active()
            if not user.is_staff:
                teams = teams.filter(memberships__user=user, memberships__role=Role.ARCHITECT)
            team_field, lens_field = self.fields["team"], self.fields["lens_version"]
            assert isinstance(team_field, forms.ModelChoiceField)
            assert isinstance(lens_field, forms.ModelChoiceField)
            team_field.queryset = teams
            team_field.help_text = "One of your teams where you are an architect."
            lens_field.queryset = published_versions()
            if not self.is_bound:
                self.initial.setdefault("lens_version", default_lens_version())
            # Render each option list from one query (validation still uses the queryset).
            for field in (team_field, lens_field):
                # iter(): list() of the iterator itself would ask its len(), a COUNT query.
                field.choices = list(iter(field.iterator(field)))
        else:
            # Team and lens stay fixed after creation; the lens moves only by an upgrade.
            del self.fields["team"]
            del self.fields["lens_version"]
        for name in ("name", "description"):
            # The model allows any length up to the maximum; the review rules ask for 3+.
            self.fields[name].validators.append(MinLengthValidator(3))
            self.fields[name].widget.attrs["minlength"] = 3
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            "name",
            "description",
            *(["team"] if creating else []),
            Row(
                Column("environment", css_class="col-md-6"), Column("regions", css_class="col-md-6")
            ),
            *(["lens_version"] if creating else []),
            Row(
                Column("owner", css_class="col-md-6"),
                Column("review_owner", css_class="col-md-6"),
            ),
            Row(
                Column("industry", css_class="col-md-6"),
                Column("account_ids", css_class="col-md-6"),
            ),
            "architectural_design",
            "notes",
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        name = cleaned.get("name")
        team = cleaned.get("team") if self.instance.pk is None else self.instance.team
        if name and team:
            clash = Workload.objects.filter(team=team, name__iexact=name)
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error(
                    "name",
                    "A workload with this name already exists in this team. Choose another name.",
                )
        return cleaned

    def validate_unique(self) -> None:
        # clean() reports the team-wide name clash with a clearer message.
        pass


# --- Answers ----------------------------------------------------------------------------------
REASON_CHOICES = [("", "Choose a reason…"), *NotApplicableReason.choices]


def _practice_fields(titles: list[str]) -> dict[str, forms.Field]:
    """A "not applicable" checkbox, reason and note field per practice (``na_<i>``...)."""
    # The checkbox and the reason are the same for every practice: one field each, shared
    # (a field validates; it keeps nothing of the value it cleans).
    checkbox = forms.BooleanField(required=False, label="Not applicable")
    reason = forms.ChoiceField(required=False, choices=REASON_CHOICES, label="Reason")
    fields: dict[str, forms.Field] = {}
    for i, title in enumerate(titles):
        fields[f"na_{i}"] = checkbox
        fields[f"na_{i}_reason"] = reason
        fields[f"na_{i}_note"] = forms.CharField(
            required=False,
            max_length=PRACTICE_NOTE_MAX,
            label=f"Note on “{title}”",
            error_messages={
                "max_length": "A note on a best practice is limited to %(limit_value)d "
                "characters; this one has %(show_value)d."
            },
        )
    return fields


@functools.lru_cache(maxsize=512)
def _answer_fields(
    choices: tuple[tuple[str, str, bool], ...], bound: bool
) -> dict[str, forms.Field]:
    """An ``AnswerForm``'s fields for a question's choices ((ref, title, is none) in bank
    order), with the practices' "not applicable" fields when ``bound``. Built once per process
    and shared by every form of that question: a form only reads its fields (validation and
    rendering keep their state in the form and its bound fields), and each form gets its own
    dict of them."""
    fields = copy.deepcopy(AnswerForm.base_fields)
    selected = fields["selected"]
    assert isinstance(selected, forms.MultipleChoiceField)
    # Refs outside the bank are accepted here and refused by the service with a message naming
    # them, so the form and the service agree on one wording.
    selected.valid_value = lambda value: True  # type: ignore[method-assign]
    selected.choices = [(ref, title) for ref, title, _ in choices]
    if bound:
        fields.update(_practice_fields([title for _, title, is_none in choices if not is_none]))
    return fields


class AnswerForm(forms.Form):
    """Built from the question's rows: one checkbox per best practice with its own
    "not applicable" reason and note, plus the question-level fields."""

    version = forms.IntegerField(
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={
            "required": "This page is out of date. Reload it and apply your change again.",
            "invalid": "This page is out of date. Reload it and apply your change again.",
            "min_value": "This page is out of date. Reload it and apply your change again.",
        },
    )
    # Sent by "Save mine over theirs": the version the user was shown in a conflict and chose
    # to replace. Validated like ``version`` so any garbage is an "out of date" message.
    replace_version = forms.IntegerField(
        required=False,
        min_value=0,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "This page is out of date. Reload it and apply your change again.",
            "min_value": "This page is out of date. Reload it and apply your change again.",
        },
    )
    selected = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Best practices followed"
    )
    not_applicable = forms.BooleanField(required=False, label="This question does not apply")
    reason = forms.ChoiceField(
        required=False, choices=REASON_CHOICES, label="Why does it not apply?"
    )
    notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        label="Notes",
        error_messages={
            "max_length": "Notes are limited to %(limit_value)d characters; these have "
            "%(show_value)d. Shorten them."
        },
    )

    def __init__(
        self, *args: Any, question: Question, choices: list[Choice], **kwargs: Any
    ) -> None:
        # The fields come from a per-process cache (``_answer_fields``), not from a deep copy
        # of the declared ones per form: an autosave builds a form on every change the user
        # makes, and copying and building a dozen fields was most of its form's cost.
        self.base_fields = {}  # type: ignore[misc]  # this instance: BaseForm copies none
        super().__init__(*args, **kwargs)
        del self.base_fields
        self.question = question
        self.choices = choices
        self.practices = [c for c in choices if not c.is_none]
        self.none_choice = next((c for c in choices if c.is_none), None)
        self.rows = [(choice, f"na_{i}") for i, choice in enumerate(self.practices)]
        # Each practice's "not applicable" fields validate what a browser sends; a form shown for
        # the first time is drawn from its initial values ({% practice_rows %}) without them.
        self.fields = dict(
            _answer_fields(tuple((c.ref, c.title, c.is_none) for c in choices), self.is_bound)
        )

    def add_practice_fields(self) -> None:
        """A "not applicable" checkbox, reason and note field per practice."""
        self.fields.update(_practice_fields([c.title for c in self.practices]))

    def with_answer_initial(self, answer: Answer | None) -> AnswerForm:
        state = AnswerState.from_model(answer)
        initial: dict[str, Any] = {
            "version": answer.version if answer else 0,
            "selected": list(state.selected),
            "notes": state.notes,
        }
        if answer is not None:
            initial["not_applicable"] = not state.is_applicable
            initial["reason"] = state.reason
        for choice, na in self.rows:
            mark = state.marked(choice.ref)
            if mark:
                initial[na] = True
                initial[f"{na}_reason"] = mark.reason
                initial[f"{na}_note"] = mark.note
        self.initial.update(initial)
        return self

    def answer_data(self) -> dict[str, Any]:
        """The cleaned form as the data ``answer_save`` takes."""
        data = self.cleaned_data
        return AnswerState.from_values(
            selected=data.get("selected") or [],
            is_applicable=not data.get("not_applicable"),
            reason=data.get("reason"),
            notes=data.get("notes"),
            not_applicable={
                choice.ref: {"reason": data.get(f"{na}_reason"), "note": data.get(f"{na}_note")}
                for choice, na in self.rows
                if data.get(na)
            },
        ).to_json()

    def add_service_errors(self, error: ValidationError) -> None:
        for message in error.messages:
            self.add_error(None, message)

    def none_checked(self) -> bool:
        return bool(
            self.none_choice and self.none_choice.ref in set(self["selected"].value() or [])
        )

    def label_for(self, ref: str) -> str:
        return next((c.title for c in self.choices if c.ref == ref), ref)


def describe_state(state: AnswerState, titles: dict[str, str], *, event: str = "") -> list[str]:
    """An answer state as short readable lines (for history and conflict messages)."""
    lines = []
    reasons = dict(NotApplicableReason.choices)
    if not state.is_applicable:
        lines.append(f"Question does not apply ({reasons.get(state.reason, '')})")
    if state.selected:
        lines.append("Ticked: " + "; ".join(titles.get(r, r) for r in state.selected))
    elif state.is_applicable:
        lines.append("Nothing ticked")
    for ref, mark in state.not_applicable:
        note = f" — {mark.note}" if mark.note else ""
        lines.append(
            f"Not applicable: {titles.get(ref, ref)} ({reasons.get(mark.reason, '')}){note}"
        )
    if state.notes:
        lines.append(f"Notes: {state.notes}")
    if event:
        lines.append(event)
    return lines
