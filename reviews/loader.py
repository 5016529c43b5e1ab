"""Maps the ORM to the scoring dataclasses in a fixed number of queries.

``banks_for_versions`` costs 5 queries whatever the number of versions (versions, pillars,
questions, choices and rules); ``answers_for_lens_reviews`` costs 1 whatever the number of
lens reviews. Lists do not score: they read the stored counts (``RiskCounts``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import F, Prefetch

from questions import rules as rule_engine
from questions.models import Choice, LensVersion, Pillar, Question, RiskRule
from reviews import scoring
from reviews.models import Answer, LensReview, Milestone, MilestoneLens, Workload


def _compile(rule: RiskRule) -> rule_engine.CompiledRule:
    return rule_engine.CompiledRule(rule_engine.parse(rule.condition), rule.risk)


def banks_for_versions(version_ids: Iterable[int]) -> dict[int, scoring.Bank]:
    ids = set(version_ids)
    kinds = dict(LensVersion.objects.filter(pk__in=ids).values_list("pk", "kind"))
    pillars = (
        Pillar.objects.filter(version_id__in=ids)
        .order_by("version_id", "order", "id")
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("order", "id").prefetch_related(
                    Prefetch("choices", queryset=Choice.objects.order_by("order", "id")),
                    Prefetch("risk_rules", queryset=RiskRule.objects.order_by("order", "id")),
                ),
            )
        )
    )
    by_version: dict[int, list[scoring.Pillar]] = defaultdict(list)
    for pillar in pillars:
        questions = tuple(
            scoring.Question(
                ref=q.ref,
                title=q.title,
                practices=tuple(
                    scoring.Practice(
                        ref=c.ref,
                        title=c.title,
                        risk=c.risk or None,
                        is_none=c.is_none,
                        improvement_text=c.improvement_plan_text,
                        improvement_url=c.improvement_plan_url,
                    )
                    for c in q.choices.all()
                ),
                rules=tuple(_compile(r) for r in q.risk_rules.all()),
            )
            for q in pillar.questions.all()
        )
        by_version[pillar.version_id].append(scoring.Pillar(pillar.ref, pillar.name, questions))
    return {
        vid: scoring.Bank(kind=kinds[vid], pillars=tuple(by_version.get(vid, ())))
        for vid in ids
        if vid in kinds
    }


def answer_state(answer: Answer) -> scoring.AnswerState:
    return scoring.AnswerState(
        selected=frozenset(answer.selected),
        is_applicable=answer.is_applicable,
        practices_not_applicable=frozenset(answer.choices_not_applicable),
    )


def answers_for_lens_reviews(
    lens_review_ids: Iterable[int],
) -> dict[int, dict[str, scoring.AnswerState]]:
    """Each lens review's answers keyed by ``scoring.answer_key``, in one query."""
    result: dict[int, dict[str, scoring.AnswerState]] = defaultdict(dict)
    # Only answers to the lens review's own lens version: after a lens upgrade, answers to the
    # old version's questions may still exist and would share the same (pillar, question) ids.
    rows = Answer.objects.filter(
        lens_review_id__in=set(lens_review_ids),
        question__pillar__version_id=F("lens_review__lens_version_id"),
    ).values_list(
        "lens_review_id",
        "question__pillar__ref",
        "question__ref",
        "selected",
        "is_applicable",
        "choices_not_applicable",
    )
    for review_id, pillar_ref, question_ref, selected, applicable, na in rows:
        result[review_id][scoring.answer_key(pillar_ref, question_ref)] = scoring.AnswerState(
            selected=frozenset(selected),
            is_applicable=applicable,
            practices_not_applicable=frozenset(na),
        )
    return result


def results_for_lens_reviews(
    lens_reviews: Iterable[LensReview],
) -> dict[int, scoring.WorkloadResult]:
    """Score many lens reviews in 6 queries (5 for the banks, 1 for the answers)."""
    lens_reviews = list(lens_reviews)
    if not lens_reviews:
        return {}
    banks = banks_for_versions({r.lens_version_id for r in lens_reviews})
    answers = answers_for_lens_reviews(r.pk for r in lens_reviews)
    return {
        r.pk: scoring.score_workload(banks[r.lens_version_id], answers.get(r.pk, {}))
        for r in lens_reviews
    }


@dataclass(frozen=True)
class LensResult:
    """One lens review of a workload with its result."""

    lens_review: LensReview
    result: scoring.WorkloadResult


@dataclass(frozen=True)
class WorkloadReview:
    """Every active lens review of a workload, scored, and the workload's totals: counts
    summed across lenses, the score over every answered, applicable question."""

    lenses: tuple[LensResult, ...]

    @property
    def counts(self) -> dict[str, int]:
        return scoring.sum_counts(lens.result.counts for lens in self.lenses)

    @property
    def score(self) -> int | None:
        return scoring.score_from_counts(self.counts)

    @property
    def total(self) -> int:
        return sum(lens.result.total for lens in self.lenses)

    @property
    def answered(self) -> int:
        return sum(lens.result.answered for lens in self.lenses)


def active_lens_reviews(workload: Workload) -> list[LensReview]:
    """The workload's active lens reviews in their order, with lens versions (1 query)."""
    return list(
        LensReview.objects.active()
        .filter(workload=workload)
        .select_related("lens_version__lens")
        .order_by("position", "pk")
    )


def review_for_workload(
    workload: Workload, lens_reviews: list[LensReview] | None = None
) -> WorkloadReview:
    """Score every active lens review of ``workload`` (7 queries; 6 given ``lens_reviews``)."""
    if lens_reviews is None:
        lens_reviews = active_lens_reviews(workload)
    results = results_for_lens_reviews(lens_reviews)
    return WorkloadReview(tuple(LensResult(r, results[r.pk]) for r in lens_reviews))


def lens_key(lens_id: int) -> str:
    """The prefix of a lens's pillar ids in a combined result (``scoring.combine_results``)."""
    return str(lens_id)


def combined(
    review: WorkloadReview, pillar_priorities: Sequence[str] = ()
) -> scoring.WorkloadResult:
    """Every lens of ``review`` as one result (pillar ids prefixed by ``lens_key``)."""
    return scoring.combine_results(lens_parts(review), pillar_priorities)


def result_for_workload(workload: Workload) -> scoring.WorkloadResult:
    """The workload's current result over all its active lenses, its improvement plan in the
    workload's pillar priorities (7 queries)."""
    return combined(review_for_workload(workload), workload.pillar_priorities or ())


def frozen_lenses(milestone: Milestone) -> list[MilestoneLens]:
    """The lens reviews a milestone froze, in order, with their versions (1 query, or none
    when ``lenses`` was prefetched)."""
    return (
        sorted(milestone.lenses.all(), key=lambda f: (f.position, f.pk))
        if _prefetched(milestone, "lenses")
        else list(milestone.lenses.select_related("lens_version").order_by("position", "pk"))
    )


def _prefetched(instance, name: str) -> bool:
    return name in getattr(instance, "_prefetched_objects_cache", {})


def lens_parts_for_milestone(milestone: Milestone) -> list[tuple[str, str, scoring.WorkloadResult]]:
    """(lens key, lens name, result) of every lens the milestone froze, from its JSON."""
    return [
        (lens_key(f.lens_version.lens_id), f.lens_version.name, result_for_milestone_lens(f))
        for f in frozen_lenses(milestone)
    ]


def lens_parts(review: WorkloadReview) -> list[tuple[str, str, scoring.WorkloadResult]]:
    """(lens key, lens name, result) of every lens of a current review."""
    return [
        (lens_key(lens.lens_review.lens_id), lens.lens_review.lens_version.name, lens.result)
        for lens in review.lenses
    ]


def result_for_milestone(milestone: Milestone) -> scoring.WorkloadResult:
    """The result frozen in a milestone over all the lenses it froze, rebuilt from JSON
    without scoring: the same numbers as when it was taken, whatever happened since."""
    return scoring.combine_results(lens_parts_for_milestone(milestone))


def result_for_lens_review(lens_review: LensReview) -> scoring.WorkloadResult:
    return results_for_lens_reviews([lens_review])[lens_review.pk]


def result_for_milestone_lens(frozen: MilestoneLens) -> scoring.WorkloadResult:
    """The result frozen in a milestone, rebuilt from its JSON snapshot without a query: the
    same numbers as when it was taken, whatever happened to the answers since."""
    return scoring.result_from_json(frozen.results)
