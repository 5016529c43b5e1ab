"""Milestones: immutable snapshots of every lens review of a workload (answers, results and
lens version per lens)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from accounts.audit import audit_record
from reviews import loader, scoring
from reviews.audit_actions import ReviewAction
from reviews.models import Answer, LensReview, Milestone, MilestoneLens, Workload
from webhooks import payloads
from webhooks.events import EventType
from webhooks.services import webhook_event_emit

MAX_MILESTONES = 100  # per workload, as in the AWS Well-Architected Tool
NAME_MAX = 100


def _snapshot_answers(
    lens_reviews: list[LensReview],
) -> tuple[dict[int, dict], dict[int, dict[str, scoring.AnswerState]]]:
    """The lens reviews' answers as stored JSON and as scoring input, from one query."""
    rows = Answer.objects.filter(
        lens_review__in=lens_reviews,
        question__pillar__version_id=F("lens_review__lens_version_id"),
    ).values_list(
        "lens_review_id",
        "question__pillar__ref",
        "question__ref",
        "selected",
        "is_applicable",
        "reason",
        "notes",
        "choices_not_applicable",
    )
    stored: dict[int, dict] = {r.pk: {} for r in lens_reviews}
    states: dict[int, dict[str, scoring.AnswerState]] = {r.pk: {} for r in lens_reviews}
    for review_id, pillar_ref, question_ref, selected, applicable, reason, notes, na in rows:
        key = scoring.answer_key(pillar_ref, question_ref)
        stored[review_id][key] = {
            "selected": list(selected),
            "is_applicable": applicable,
            "reason": reason,
            "notes": notes,
            "choices_not_applicable": dict(na or {}),
        }
        states[review_id][key] = scoring.AnswerState(
            selected=frozenset(selected),
            is_applicable=applicable,
            practices_not_applicable=frozenset(na or {}),
        )
    return stored, states


@transaction.atomic
def milestone_create(*, workload: Workload, name: str, user, request=None) -> Milestone:
    """Freeze every active lens review of the workload (answers, computed results and lens
    version) under ``name``.

    Raises ``ValidationError`` (nothing written) for an empty, too long or already used name,
    or when the workload already has ``MAX_MILESTONES`` milestones.
    """
    name = (name or "").strip()
    if not name:
        raise ValidationError("Give the milestone a name.", code="required")
    if len(name) > NAME_MAX:
        raise ValidationError(
            f"Milestone names are at most {NAME_MAX} characters; this one has {len(name)}.",
            code="max_length",
        )
    # Lock the workload row: two people taking milestones at once cannot both pass the
    # name and limit checks below.
    Workload.objects.select_for_update().filter(pk=workload.pk).values_list("pk").get()
    names = list(Milestone.objects.filter(workload=workload).values_list("name", flat=True))
    if name.casefold() in {n.casefold() for n in names}:
        raise ValidationError(
            f"This workload already has a milestone named “{name}”. Choose another name.",
            code="unique",
        )
    if len(names) >= MAX_MILESTONES:
        raise ValidationError(
            f"This workload already has {MAX_MILESTONES} milestones, the most it can keep.",
            code="limit",
        )
    lens_reviews = list(
        LensReview.objects.active().filter(workload=workload).order_by("position", "pk")
    )
    stored, states = _snapshot_answers(lens_reviews)
    banks = loader.banks_for_versions({r.lens_version_id for r in lens_reviews})
    results = {
        r.pk: scoring.score_workload(banks[r.lens_version_id], states[r.pk]) for r in lens_reviews
    }
    milestone = Milestone.objects.create(
        workload=workload,
        name=name,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    MilestoneLens.objects.bulk_create(
        MilestoneLens(
            milestone=milestone,
            lens_review=review,
            lens_version_id=review.lens_version_id,
            position=position,
            answers=stored[review.pk],
            results=scoring.result_to_json(results[review.pk]),
        )
        for position, review in enumerate(lens_reviews)
    )
    counts = scoring.sum_counts(result.counts for result in results.values())
    audit_record(
        action=ReviewAction.MILESTONE_CREATED,
        actor=user,
        request=request,
        target=milestone,
        team=workload.team_id,
        data={"workload": workload.pk},
    )
    webhook_event_emit(
        event=EventType.MILESTONE_TAKEN,
        team_id=workload.team_id,
        data=payloads.milestone_data(
            milestone, counts=counts, score=scoring.score_from_counts(counts)
        ),
    )
    return milestone
