"""Many answered workloads in a few bulk INSERTs (consolidated report tests and benchmark).

Each workload gets a lens review of ``version`` (and every ``second_every``-th one a second lens
review of ``second``), answers that vary with its position (practices followed, "None of
these", not applicable, unanswered), and its stored counts, computed by the services that keep
them (``reviews.services.counts``), so the data is what the answer path would have left.
"""

from __future__ import annotations

from questions.models import Choice, LensVersion, Question
from reviews.models import Answer, LensReview, Team, Workload
from reviews.services.counts import lens_review_counts_store, workload_counts_store


def _bank(version: LensVersion) -> tuple[list[Question], dict[int, list[str]], dict[int, str]]:
    questions = list(Question.objects.filter(pillar__version=version).order_by("pk"))
    refs: dict[int, list[str]] = {}
    nones: dict[int, str] = {}
    for question_id, ref, is_none in (
        Choice.objects.filter(question__in=questions)
        .order_by("question_id", "order", "pk")
        .values_list("question_id", "ref", "is_none")
    ):
        if is_none:
            nones[question_id] = ref
        else:
            refs.setdefault(question_id, []).append(ref)
    return questions, refs, nones


def _answers(review: LensReview, bank, n: int) -> list[Answer]:
    questions, refs, nones = bank
    answers = []
    for q_index, question in enumerate(questions):
        case = (n + q_index) % 7
        practices = refs.get(question.pk, [])
        if case == 0:
            continue  # unanswered
        if case == 1:
            answers.append(
                Answer(lens_review=review, question=question, is_applicable=False, reason="OTHER")
            )
        elif case == 2 and question.pk in nones:
            answers.append(
                Answer(lens_review=review, question=question, selected=[nones[question.pk]])
            )
        else:
            # Follow a share of the practices that moves with the workload: every level of risk.
            keep = practices[: max(1, (len(practices) * case) // 6)]
            answers.append(Answer(lens_review=review, question=question, selected=keep))
    return answers


def bulk_workloads(
    *,
    team: Team,
    version: LensVersion,
    count: int,
    second: LensVersion | None = None,
    second_every: int = 4,
    prefix: str = "Workload",
) -> list[Workload]:
    """``count`` answered workloads of ``team`` with stored counts, built in bulk."""
    workloads = Workload.objects.bulk_create(
        Workload(team=team, name=f"{prefix} {n:04d}", description="Built in bulk")
        for n in range(count)
    )
    reviews = []
    for n, workload in enumerate(workloads):
        reviews.append(
            LensReview(workload=workload, lens_id=version.lens_id, lens_version=version, position=0)
        )
        if second is not None and n % second_every == 0:
            reviews.append(
                LensReview(
                    workload=workload, lens_id=second.lens_id, lens_version=second, position=1
                )
            )
    reviews = LensReview.objects.bulk_create(reviews)
    banks = {v.pk: _bank(v) for v in (version, second) if v is not None}
    answers: list[Answer] = []
    for n, review in enumerate(reviews):
        answers += _answers(review, banks[review.lens_version_id], n)
    Answer.objects.bulk_create(answers, batch_size=1000)
    lens_review_counts_store(lens_reviews=reviews)
    workload_counts_store(workload_ids=[w.pk for w in workloads])
    return workloads
