"""Milestones: immutable snapshots of a workload's answers, results and lens version."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.audit import audit_record
from reviews import loader, scoring
from reviews.audit_actions import ReviewAction
from reviews.models import Answer, Milestone, Workload
from webhooks import payloads
from webhooks.events import EventType
from webhooks.services import webhook_event_emit

MAX_MILESTONES = 100  # per workload, as in the AWS Well-Architected Tool
NAME_MAX = 100


def _snapshot_answers(workload: Workload) -> tuple[dict, dict[str, scoring.AnswerState]]:
    """The workload's answers as stored JSON and as scoring input, from one query."""
    rows = Answer.objects.filter(
        workload=workload, question__pillar__version_id=workload.lens_version_id
    ).values_list(
        "question__pillar__ref",
        "question__ref",
        "selected",
        "is_applicable",
        "reason",
        "notes",
        "choices_not_applicable",
    )
    stored: dict[str, dict] = {}
    states: dict[str, scoring.AnswerState] = {}
    for pillar_ref, question_ref, selected, applicable, reason, notes, na in rows:
        key = scoring.answer_key(pillar_ref, question_ref)
        stored[key] = {
            "selected": list(selected),
            "is_applicable": applicable,
            "reason": reason,
            "notes": notes,
            "choices_not_applicable": dict(na or {}),
        }
        states[key] = scoring.AnswerState(
            selected=frozenset(selected),
            is_applicable=applicable,
            practices_not_applicable=frozenset(na or {}),
        )
    return stored, states


@transaction.atomic
def milestone_create(*, workload: Workload, name: str, user, request=None) -> Milestone:
    """Freeze the workload's answers, computed results and lens version under ``name``.

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
    stored, states = _snapshot_answers(workload)
    bank = loader.banks_for_versions([workload.lens_version_id])[workload.lens_version_id]
    result = scoring.score_workload(bank, states)
    results = scoring.result_to_json(result)
    milestone = Milestone.objects.create(
        workload=workload,
        name=name,
        lens_version_id=workload.lens_version_id,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        answers=stored,
        results=results,
    )
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
        data=payloads.milestone_data(milestone, counts=results["counts"], score=results["score"]),
    )
    return milestone
