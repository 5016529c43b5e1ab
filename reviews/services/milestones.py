"""Milestones: immutable snapshots of every lens review of a workload (answers, results and
lens version per lens)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import audit_record
from reviews import loader, scoring, selectors
from reviews.audit_actions import ReviewAction
from reviews.models import LensReview, Milestone, MilestoneLens, Workload
from webhooks import payloads
from webhooks.events import EventType
from webhooks.services import webhook_event_emit

MAX_MILESTONES = 100  # per workload, as in the AWS Well-Architected Tool
NAME_MAX = 100


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
    answers = selectors.answer_states(r.pk for r in lens_reviews)
    banks = loader.banks_for_versions({r.lens_version_id for r in lens_reviews})
    results = {
        r.pk: scoring.score_workload(
            banks[r.lens_version_id],
            {key: state.to_scoring() for key, state in answers.get(r.pk, {}).items()},
        )
        for r in lens_reviews
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
            answers={key: state.to_json() for key, state in answers.get(review.pk, {}).items()},
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
