"""Lens reviews: adding a lens to a workload, removing it, and upgrading it to a newer version.

Every function here locks the workload row first (as the answer path does), rescores what it
changed, stores the counts of the lens review and of the workload and records an audit event,
all in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Max
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_record
from questions.models import Choice, LensVersion, Question
from reviews import selectors
from reviews.answer_state import AnswerState
from reviews.audit_actions import ReviewAction
from reviews.models import Answer, AnswerChange, LensReview, Workload
from reviews.services.counts import lens_review_counts_store, workload_counts_store
from reviews.services.items import items_sync_lens_review

# As in the AWS Well-Architected Tool.
MAX_LENSES = 20


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


def newer_versions(lens_reviews: list[LensReview]) -> list[tuple[LensReview, LensVersion]]:
    """(lens review, newest published version) for each lens review that has a newer one,
    in one query whatever the number of lenses; none when the lens reviews were read
    ``with_newest`` (``selectors.active_lens_reviews``)."""
    if all(hasattr(r, "newest_version") for r in lens_reviews):
        newest = {r.lens_id: r.newest_version for r in lens_reviews if r.newest_version}
    else:
        newest = selectors.newest_published_versions(r.lens_id for r in lens_reviews)
    return [
        (review, newest[review.lens_id])
        for review in lens_reviews
        if review.lens_id in newest and newest[review.lens_id].number > review.lens_version.number
    ]


def addable_versions(workload: Workload) -> list[LensVersion]:
    """The newest published version of every lens the workload is not reviewed with yet,
    by lens name (one query)."""
    active = LensReview.objects.active().filter(workload=workload).values("lens_id")
    newest: dict[int, LensVersion] = {}
    for version in (
        LensVersion.objects.filter(status=LensVersion.Status.PUBLISHED)
        .exclude(lens_id__in=active)
        .select_related("lens")
        .order_by("lens__name", "-number")
    ):
        newest.setdefault(version.lens_id, version)
    return list(newest.values())


def _lock(workload_id: int) -> int:
    """Lock the workload row; its team's id, for the audit event."""
    return (
        Workload.objects.select_for_update()
        .filter(pk=workload_id)
        .values_list("team_id", flat=True)
        .get()
    )


def _version_data(version: LensVersion) -> dict[str, Any]:
    return {"lens": version.name, "version": version.number}


@transaction.atomic
def lens_review_add(
    *, workload: Workload, lens_version: LensVersion, user, request: HttpRequest | None = None
) -> LensReview:
    """Review ``workload`` against ``lens_version`` too; raises ``ValidationError`` (nothing
    written) for an unpublished version, a lens already on the workload or too many lenses."""
    if not lens_version.is_published:
        raise ValidationError("Only a published lens version can be used for a review.")
    team_id = _lock(workload.pk)
    active = LensReview.objects.active().filter(workload=workload)
    if active.filter(lens_id=lens_version.lens_id).exists():
        raise ValidationError(
            f"This workload is already reviewed with “{lens_version.name}”.", code="duplicate"
        )
    stats = active.aggregate(n=Count("pk"), last=Max("position"))
    if stats["n"] >= MAX_LENSES:
        raise ValidationError(
            f"A workload can be reviewed with at most {MAX_LENSES} lenses.", code="limit"
        )
    review = LensReview.objects.create(
        workload=workload,
        lens_id=lens_version.lens_id,
        lens_version=lens_version,
        position=0 if stats["last"] is None else stats["last"] + 1,
        added_by=user if getattr(user, "is_authenticated", False) else None,
    )
    lens_review_counts_store(lens_reviews=[review])
    workload_counts_store(workload_ids=[workload.pk])
    Workload.objects.filter(pk=workload.pk).update(updated_at=timezone.now())
    audit_record(
        action=ReviewAction.LENS_REVIEW_ADDED,
        actor=user,
        request=request,
        target=review,
        team=team_id,
        data=_version_data(lens_version),
    )
    return review


@transaction.atomic
def lens_review_remove(
    *, lens_review: LensReview, user, request: HttpRequest | None = None
) -> LensReview:
    """Stop reviewing the workload with this lens. The answers, their history and the
    milestones that froze it are kept; the workload's counts no longer include it."""
    team_id = _lock(lens_review.workload_id)
    active = LensReview.objects.active().filter(workload_id=lens_review.workload_id)
    if not active.filter(pk=lens_review.pk).exists():
        raise ValidationError("This lens was already removed from the workload.", code="removed")
    if active.count() == 1:
        raise ValidationError(
            "A workload needs at least one lens: add another lens before removing this one.",
            code="last_lens",
        )
    now = timezone.now()
    LensReview.objects.filter(pk=lens_review.pk).update(
        removed_at=now, removed_by=user if getattr(user, "is_authenticated", False) else None
    )
    workload_counts_store(workload_ids=[lens_review.workload_id])
    Workload.objects.filter(pk=lens_review.workload_id).update(updated_at=now)
    lens_review.refresh_from_db()
    audit_record(
        action=ReviewAction.LENS_REVIEW_REMOVED,
        actor=user,
        request=request,
        target=lens_review,
        team=team_id,
        data=_version_data(lens_review.lens_version),
    )
    return lens_review


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
    moves: list[tuple[Answer, Question, AnswerState]] = field(default_factory=list)

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


def upgrade_plan(*, lens_review: LensReview, to_version: LensVersion) -> UpgradePlan:
    """Match the lens review's answers to ``to_version`` by pillar, question and choice ids."""
    from_version = lens_review.lens_version
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
            lens_review=lens_review, question__pillar__version=from_version
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
        state = AnswerState.from_model(answer)
        dropped = [r for r in state.selected if r not in refs] + [
            r for r in state.not_applicable_refs if r not in refs
        ]
        state = state.replace(
            selected=tuple(r for r in state.selected if r in refs),
            not_applicable=tuple((r, mark) for r, mark in state.not_applicable if r in refs),
        )
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
def lens_review_upgrade(
    *,
    lens_review: LensReview,
    to_version: LensVersion,
    user,
    request: HttpRequest | None = None,
) -> UpgradePlan:
    """Move the lens review to ``to_version``, carrying answers over by ids.

    Answers to questions that no longer exist stay attached to the old question (kept, not
    shown); other lens reviews are not touched; milestones hold their own snapshot and version
    and are not touched. Every carried answer gets a new ``version`` so an open questionnaire
    tab cannot overwrite it silently.
    """
    # Lock the workload row so two upgrades (or an upgrade and a save) serialise, then re-read
    # the lens review: it may have been upgraded or removed since the page was read.
    team_id = _lock(lens_review.workload_id)
    lens_review = LensReview.objects.select_related("lens_version").get(pk=lens_review.pk)
    if not lens_review.is_active:
        raise ValidationError("This lens was removed from the workload.", code="removed")
    plan = upgrade_plan(lens_review=lens_review, to_version=to_version)
    now = timezone.now()
    changes = []
    for answer, new_question, state in plan.moves:
        before = AnswerState.from_model(answer)
        Answer.objects.filter(pk=answer.pk).update(
            question=new_question,
            version=F("version") + 1,
            updated_by=user,
            updated_at=now,
            **state.as_fields(),
        )
        changes.append(
            AnswerChange(
                answer=answer,
                version=answer.version + 1,
                changed_by=user,
                changed_at=now,
                before=before.to_json(),
                after={**state.to_json(), "event": f"Lens upgraded to {to_version}"},
            )
        )
    AnswerChange.objects.bulk_create(changes)
    LensReview.objects.filter(pk=lens_review.pk).update(lens_version=to_version)
    lens_review.lens_version = to_version
    lens_review_counts_store(lens_reviews=[lens_review])
    workload_counts_store(workload_ids=[lens_review.workload_id])
    Workload.objects.filter(pk=lens_review.workload_id).update(updated_at=now)
    # Improvement items follow their practices (by ids) to the new version's questions.
    items_sync_lens_review(
        lens_review=lens_review, user=user, context={"lens_upgraded_to": str(to_version)}
    )
    audit_record(
        action=ReviewAction.LENS_REVIEW_UPGRADED,
        actor=user,
        request=request,
        target=lens_review,
        team=team_id,
        data={
            **_version_data(to_version),
            "from_version": plan.from_version.number,
            "answers_carried": len(plan.carried),
            "answered_questions_dropped": len(plan.dropped_questions),
        },
    )
    return plan
