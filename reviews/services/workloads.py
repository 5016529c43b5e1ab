"""Creating, editing, archiving workloads and moving them to a newer lens version."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from accounts.audit import audit_record
from questions.banks import REL_BANK_SLUG
from questions.models import Choice, LensVersion, Question
from reviews.audit_actions import ReviewAction
from reviews.models import Answer, AnswerChange, Team, Workload, validate_account_ids
from reviews.services.answers import answer_state

# The shipped REL 3-5 bank is the default lens of new workloads.
DEFAULT_LENS_SLUG = REL_BANK_SLUG

WORKLOAD_FIELDS = (
    "name",
    "description",
    "environment",
    "regions",
    "account_ids",
    "owner",
    "review_owner",
    "architectural_design",
    "industry",
    "notes",
    "lens_version",
)

_DUPLICATE_NAME = "A workload with this name already exists in this team. Choose another name."


def published_versions():
    """The latest published version of each lens: what a new review may start on."""
    newer = LensVersion.objects.filter(
        lens=OuterRef("lens"), status=LensVersion.Status.PUBLISHED, number__gt=OuterRef("number")
    )
    return (
        LensVersion.objects.filter(status=LensVersion.Status.PUBLISHED)
        .filter(~Exists(newer))
        .select_related("lens")
        .order_by("lens__name", "-number")
    )


def default_lens_version() -> LensVersion | None:
    """The newest published REL 3-5 version, else the newest published version of any lens."""
    versions = published_versions()
    return (
        versions.filter(lens__slug=DEFAULT_LENS_SLUG).first()
        or versions.order_by("-published_at", "-pk").first()
    )


def newer_version(version: LensVersion) -> LensVersion | None:
    """The newest published version of the same lens after ``version``, if any."""
    return (
        LensVersion.objects.filter(
            lens_id=version.lens_id,
            status=LensVersion.Status.PUBLISHED,
            number__gt=version.number,
        )
        .order_by("-number")
        .first()
    )


def _check_account_ids(data: dict[str, Any]) -> None:
    if "account_ids" in data:
        try:
            validate_account_ids(data["account_ids"])
        except ValidationError as exc:
            raise ValidationError({"account_ids": exc.messages}) from None


@transaction.atomic
def workload_create(*, team: Team, user, data: dict[str, Any], request=None) -> Workload:
    fields = {k: data[k] for k in WORKLOAD_FIELDS if k in data}
    _check_account_ids(fields)
    try:
        with transaction.atomic():
            workload = Workload.objects.create(team=team, created_by=user, **fields)
    except IntegrityError:
        # The form checks the name first; this covers two people creating it at once.
        raise ValidationError({"name": _DUPLICATE_NAME}) from None
    audit_record(
        action=ReviewAction.WORKLOAD_CREATED,
        actor=user,
        request=request,
        target=workload,
        team=team,
    )
    return workload


@transaction.atomic
def workload_update(
    *, workload: Workload, data: dict[str, Any], actor=None, request=None
) -> Workload:
    # The lens version changes only through workload_upgrade_lens, which carries answers over.
    _check_account_ids(data)
    for key in WORKLOAD_FIELDS:
        if key in data and key != "lens_version":
            setattr(workload, key, data[key])
    workload.updated_at = timezone.now()
    try:
        with transaction.atomic():
            workload.save()
    except IntegrityError:
        raise ValidationError({"name": _DUPLICATE_NAME}) from None
    audit_record(
        action=ReviewAction.WORKLOAD_EDITED,
        actor=actor,
        request=request,
        target=workload,
        team=workload.team_id,
    )
    return workload


@transaction.atomic
def workload_archive(
    *, workload: Workload, archived: bool = True, actor=None, request=None
) -> Workload:
    workload.archived_at = timezone.now() if archived else None
    Workload.objects.filter(pk=workload.pk).update(archived_at=workload.archived_at)
    audit_record(
        action=ReviewAction.WORKLOAD_ARCHIVED if archived else ReviewAction.WORKLOAD_RESTORED,
        actor=actor,
        request=request,
        target=workload,
        team=workload.team_id,
    )
    return workload


# --- Lens upgrades ----------------------------------------------------------------------------
@dataclass
class QuestionCarry:
    pillar_ref: str
    question_ref: str
    title: str
    dropped_choices: list[str] = field(default_factory=list)  # titles of dropped choices
    new_choices: list[str] = field(default_factory=list)  # titles of new choices


@dataclass
class UpgradePlan:
    """What an upgrade does: which answers carry over and what is dropped or new."""

    from_version: LensVersion
    to_version: LensVersion
    carried: list[QuestionCarry] = field(default_factory=list)
    dropped_questions: list[QuestionCarry] = field(default_factory=list)  # answered, now gone
    new_questions: list[QuestionCarry] = field(default_factory=list)
    # internal: (answer, new question, new state)
    moves: list[tuple[Answer, Question, dict[str, Any]]] = field(default_factory=list)

    @property
    def dropped_choice_count(self) -> int:
        return sum(len(c.dropped_choices) for c in self.carried)


def _questions_by_key(version: LensVersion) -> dict[tuple[str, str], Question]:
    questions = (
        Question.objects.filter(pillar__version=version)
        .select_related("pillar")
        .order_by("pillar__order", "order", "pk")
    )
    return {(q.pillar.ref, q.ref): q for q in questions}


def _choices_by_question(version: LensVersion) -> dict[int, dict[str, Choice]]:
    by_question: dict[int, dict[str, Choice]] = {}
    for choice in Choice.objects.filter(question__pillar__version=version).order_by("order", "pk"):
        by_question.setdefault(choice.question_id, {})[choice.ref] = choice
    return by_question


def upgrade_plan(*, workload: Workload, to_version: LensVersion) -> UpgradePlan:
    """Match the workload's answers to ``to_version`` by pillar, question and choice ids."""
    from_version = workload.lens_version
    if to_version.lens_id != from_version.lens_id or to_version.number <= from_version.number:
        raise ValidationError("Choose a newer version of the same lens to upgrade to.")
    if not to_version.is_published:
        raise ValidationError("Only a published lens version can be used for a review.")
    old_questions = _questions_by_key(from_version)
    new_questions = _questions_by_key(to_version)
    old_choices = _choices_by_question(from_version)
    new_choices = _choices_by_question(to_version)
    answers = {
        (a.question.pillar.ref, a.question.ref): a
        for a in Answer.objects.filter(
            workload=workload, question__pillar__version=from_version
        ).select_related("question__pillar")
    }
    plan = UpgradePlan(from_version=from_version, to_version=to_version)
    for key, answer in answers.items():
        new_question = new_questions.get(key)
        if new_question is None:
            plan.dropped_questions.append(QuestionCarry(*key, answer.question.title))
            continue
        refs = new_choices.get(new_question.pk, {})
        old_refs = old_choices.get(answer.question_id, {})
        state = answer_state(answer)
        kept = [r for r in state["selected"] if r in refs]
        kept_na = {r: v for r, v in state["choices_not_applicable"].items() if r in refs}
        dropped = [r for r in state["selected"] if r not in refs] + [
            r for r in state["choices_not_applicable"] if r not in refs
        ]
        state["selected"] = kept
        state["choices_not_applicable"] = kept_na
        plan.carried.append(
            QuestionCarry(
                *key,
                new_question.title,
                dropped_choices=[old_refs[r].title if r in old_refs else r for r in dropped],
                new_choices=[c.title for r, c in refs.items() if r not in old_refs],
            )
        )
        plan.moves.append((answer, new_question, state))
    for key, question in new_questions.items():
        if key not in old_questions:
            plan.new_questions.append(QuestionCarry(*key, question.title))
    return plan


@transaction.atomic
def workload_upgrade_lens(
    *, workload: Workload, to_version: LensVersion, user, request=None
) -> UpgradePlan:
    """Move the workload to ``to_version``, carrying answers over by ids.

    Answers to questions that no longer exist stay attached to the old question (kept, not
    shown); milestones hold their own snapshot and version and are not touched. Every carried
    answer gets a new ``version`` so an open questionnaire tab cannot overwrite it silently.
    """
    # Lock the workload row so two upgrades (or an upgrade and an edit) serialise.
    workload = (
        Workload.objects.select_for_update().select_related("lens_version").get(pk=workload.pk)
    )
    plan = upgrade_plan(workload=workload, to_version=to_version)
    now = timezone.now()
    changes = []
    for answer, new_question, state in plan.moves:
        before = answer_state(answer)
        Answer.objects.filter(pk=answer.pk).update(
            question=new_question,
            version=F("version") + 1,
            updated_by=user,
            updated_at=now,
            **state,
        )
        changes.append(
            AnswerChange(
                answer=answer,
                version=answer.version + 1,
                changed_by=user,
                changed_at=now,
                before=before,
                after={**state, "event": f"Lens upgraded to {to_version}"},
            )
        )
    AnswerChange.objects.bulk_create(changes)
    Workload.objects.filter(pk=workload.pk).update(lens_version=to_version, updated_at=now)
    audit_record(
        action=ReviewAction.WORKLOAD_LENS_UPGRADED,
        actor=user,
        request=request,
        target=workload,
        team=workload.team_id,
        data={"from": str(plan.from_version), "to": str(to_version)},
    )
    return plan
