"""Maps the ORM to the scoring dataclasses in a fixed number of queries.

``banks_for_versions`` costs 5 queries whatever the number of versions (versions, pillars,
questions, choices and rules), none for published versions already in the process's bank cache
(``selectors.banks``); ``answers_for_lens_reviews`` costs 1 whatever the number of lens
reviews. Lists do not score: they read the stored counts (``RiskCounts``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reviews import scoring, selectors
from reviews.models import LensReview, Milestone, MilestoneLens, Workload


def banks_for_versions(version_ids: Iterable[int]) -> dict[int, scoring.Bank]:
    """The scoring banks of ``version_ids`` (``selectors.banks``: free when cached)."""
    return {vid: entry.scoring_bank for vid, entry in selectors.banks(version_ids).items()}


def answers_for_lens_reviews(
    lens_review_ids: Iterable[int],
) -> dict[int, dict[str, scoring.AnswerState]]:
    """Each lens review's current answers keyed by ``scoring.answer_key``, in one query."""
    return selectors.scoring_states(lens_review_ids)


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


def review_for_workload(
    workload: Workload, lens_reviews: list[LensReview] | None = None
) -> WorkloadReview:
    """Score every active lens review of ``workload`` (7 queries; 6 given ``lens_reviews``)."""
    if lens_reviews is None:
        lens_reviews = selectors.active_lens_reviews(workload)
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
