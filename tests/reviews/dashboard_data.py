"""Many scored workloads, fast: bulk inserts shared by the dashboard test and its benchmark."""

from __future__ import annotations

import random

from django.utils import timezone

from questions.models import Choice, LensVersion
from reviews.models import Answer, NotApplicableReason, Team, Workload


def populate_workloads(
    *, team: Team, version: LensVersion, count: int, seed: int = 5, prefix: str = "Workload"
) -> list[Workload]:
    """``count`` workloads of ``team`` on ``version``, each with an answer to most questions
    (random practices ticked, some "None of these", some not applicable), in 2 bulk inserts."""
    rng = random.Random(seed)
    now = timezone.now()
    environments = list(Workload.Environment.values)
    workloads = Workload.objects.bulk_create(
        Workload(
            team=team,
            name=f"{prefix} {i:04d}",
            description="A generated workload for the dashboard",
            environment=environments[i % len(environments)],
            lens_version=version,
            updated_at=now,
        )
        for i in range(count)
    )
    choices: dict[int, list[Choice]] = {}
    for choice in Choice.objects.filter(question__pillar__version=version).order_by("order"):
        choices.setdefault(choice.question_id, []).append(choice)
    answers = []
    for workload in workloads:
        for question_id, question_choices in choices.items():
            roll = rng.random()
            if roll < 0.1:
                continue  # unanswered
            practices = [c.ref for c in question_choices if not c.is_none]
            nones = [c.ref for c in question_choices if c.is_none]
            if roll < 0.15:
                answers.append(
                    Answer(
                        workload=workload,
                        question_id=question_id,
                        is_applicable=False,
                        reason=NotApplicableReason.OUT_OF_SCOPE,
                        updated_at=now,
                    )
                )
                continue
            if roll < 0.25 and nones:
                selected = nones[:1]
            else:
                selected = [ref for ref in practices if rng.random() < 0.7] or practices[:1]
            answers.append(
                Answer(
                    workload=workload, question_id=question_id, selected=selected, updated_at=now
                )
            )
    Answer.objects.bulk_create(answers, batch_size=2000)
    return workloads
