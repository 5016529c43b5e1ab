"""Many scored workloads, fast: bulk inserts shared by the dashboard test and its benchmark."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from questions.models import Choice, LensVersion
from reviews import loader, scoring
from reviews.models import Answer, LensReview, NotApplicableReason, Team, Workload


def populate_workloads(
    *,
    team: Team,
    version: LensVersion | None = None,
    versions: Sequence[LensVersion] = (),
    count: int,
    seed: int = 5,
    prefix: str = "Workload",
    patterns: int = 200,
) -> list[Workload]:
    """``count`` workloads of ``team``, each reviewed with ``version`` (or every one of
    ``versions``, one lens review each) and an answer to most questions (random practices
    ticked, some "None of these", some not applicable), in bulk inserts. The stored counts
    are what a fresh scoring gives, as if every answer had been saved through the service.
    Beyond ``patterns`` workloads the answer sets repeat (scoring each one is the slow part of
    building 10,000), and each workload was last changed a few minutes before the previous."""
    versions = list(versions) or [version]
    rng = random.Random(seed)
    now = timezone.now()
    environments = list(Workload.Environment.values)
    banks = loader.banks_for_versions(v.pk for v in versions)
    choices: dict[int, dict[int, list[Choice]]] = {v.pk: {} for v in versions}
    keys: dict[int, tuple[str, str]] = {}
    for choice in (
        Choice.objects.filter(question__pillar__version__in=versions)
        .select_related("question__pillar")
        .order_by("order")
    ):
        question = choice.question
        choices[question.pillar.version_id].setdefault(question.pk, []).append(choice)
        keys[question.pk] = (question.pillar.ref, question.ref)

    plans = []  # per workload: [(version, [answer kwargs], counts)]
    for _ in range(min(count, patterns)):
        lenses = []
        for v in versions:
            rows, states = [], {}
            for question_id, question_choices in choices[v.pk].items():
                roll = rng.random()
                if roll < 0.1:
                    continue  # unanswered
                practices = [c.ref for c in question_choices if not c.is_none]
                nones = [c.ref for c in question_choices if c.is_none]
                key = scoring.answer_key(*keys[question_id])
                if roll < 0.15:
                    rows.append(
                        {
                            "question_id": question_id,
                            "is_applicable": False,
                            "reason": NotApplicableReason.OUT_OF_SCOPE,
                        }
                    )
                    states[key] = scoring.AnswerState(is_applicable=False)
                    continue
                if roll < 0.25 and nones:
                    selected = nones[:1]
                else:
                    selected = [ref for ref in practices if rng.random() < 0.7] or practices[:1]
                rows.append({"question_id": question_id, "selected": selected})
                states[key] = scoring.AnswerState(selected=frozenset(selected))
            counts = dict(scoring.score_workload(banks[v.pk], states).counts)
            lenses.append((v, rows, counts))
        plans.append(lenses)

    plans = [plans[i % len(plans)] for i in range(count)] if plans else []
    workloads = []
    for i, lenses in enumerate(plans):
        workload = Workload(
            team=team,
            name=f"{prefix} {i:04d}",
            description="A generated workload for the dashboard",
            environment=environments[i % len(environments)],
            updated_at=now - timedelta(minutes=7 * i),
        )
        workload.set_counts(scoring.sum_counts(counts for _, _, counts in lenses))
        workloads.append(workload)
    workloads = Workload.objects.bulk_create(workloads, batch_size=2000)
    reviews = []
    for workload, lenses in zip(workloads, plans, strict=True):
        for position, (v, _, counts) in enumerate(lenses):
            review = LensReview(
                workload=workload,
                lens_id=v.lens_id,
                lens_version=v,
                position=position,
                added_at=now,
            )
            review.set_counts(counts)
            reviews.append(review)
    reviews = LensReview.objects.bulk_create(reviews, batch_size=2000)
    # The lens reviews of the first ``patterns`` workloads get their answers as objects; every
    # later one copies the answers of the lens review it repeats, in one INSERT ... SELECT
    # (building 250,000 Answer objects would be most of the time at 10,000 workloads).
    first = min(count, patterns) * len(versions)
    flat = [rows for lenses in plans[: min(count, patterns)] for _, rows, _ in lenses]
    answers = []
    for review, rows in zip(reviews[:first], flat, strict=True):
        answers.extend(Answer(lens_review=review, updated_at=now, **row) for row in rows)
    Answer.objects.bulk_create(answers, batch_size=2000)
    if len(reviews) > first:
        _copy_answers(
            targets=[r.pk for r in reviews[first:]],
            sources=[reviews[i % first].pk for i in range(first, len(reviews))],
        )
    return workloads


def _copy_answers(*, targets: list[int], sources: list[int]) -> None:
    """Give lens review ``targets[i]`` a copy of every answer of ``sources[i]`` (PostgreSQL)."""
    quote = connection.ops.quote_name
    meta = Answer._meta
    link = meta.get_field("lens_review").column
    columns = [f.column for f in meta.concrete_fields if not f.primary_key]
    values = ", ".join("m.target" if c == link else f"a.{quote(c)}" for c in columns)
    # Names from the model's meta, quoted; the ids are parameters.
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(map(quote, columns))}) "  # noqa: S608
        f"SELECT {values} FROM {quote(meta.db_table)} a "
        "JOIN unnest(%s::bigint[], %s::bigint[]) AS m(target, source) "
        f"ON a.{quote(link)} = m.source"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [targets, sources],
        )
