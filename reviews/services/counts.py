"""Stored risk counts: fresh scoring of lens reviews, and the workload's sums.

The answer path moves counts by one question (``answers.count_moves``); everything that changes
a whole lens review (added, removed, upgraded) rescores it here, in the caller's transaction.
``counts_recompute`` checks every stored figure against a fresh scoring and reports drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from reviews import loader, scoring
from reviews.models import COUNT_FIELDS, LensReview, Workload, count_field
from reviews.vocab import Risk


def lens_review_counts_store(*, lens_reviews: Iterable[LensReview]) -> None:
    """Score ``lens_reviews`` afresh and store their counts (7 queries + 1 per lens review)."""
    lens_reviews = list(lens_reviews)
    results = loader.results_for_lens_reviews(lens_reviews)
    for review in lens_reviews:
        review.set_counts(dict(results[review.pk].counts))
        LensReview.objects.filter(pk=review.pk).update(
            **{field: getattr(review, field) for field in COUNT_FIELDS}
        )


def workload_counts_store(*, workload_ids: Iterable[int]) -> None:
    """Set each workload's counts to the sum of its active lens reviews' (one UPDATE)."""

    def total(field: str) -> Coalesce:
        summed = (
            LensReview.objects.active()
            .filter(workload=OuterRef("pk"))
            .values("workload")
            .annotate(total=Sum(field))
            .values("total")
        )
        return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))

    Workload.objects.filter(pk__in=list(workload_ids)).update(
        **{field: total(field) for field in COUNT_FIELDS}
    )


@dataclass(frozen=True)
class Drift:
    """A stored figure that differed from a fresh scoring."""

    kind: str  # "lens review" or "workload"
    pk: int
    label: str
    stored: dict[str, int]
    fresh: dict[str, int]

    def __str__(self) -> str:
        diffs = ", ".join(
            f"{risk.lower()} {self.stored[risk]} -> {self.fresh[risk]}"
            for risk in Risk
            if self.stored[risk] != self.fresh[risk]
        )
        return f"{self.kind} {self.pk} ({self.label}): {diffs}"


def counts_recompute(
    *, fix: bool = True, batch: int = 500, workload_ids: Iterable[int] | None = None
) -> list[Drift]:
    """Compare every stored count (of ``workload_ids``, default all) with a fresh scoring;
    store the fresh ones when ``fix``. Works in batches, each locking its workloads."""
    drift: list[Drift] = []
    workloads_qs = Workload.objects.order_by("pk")
    if workload_ids is not None:
        workloads_qs = workloads_qs.filter(pk__in=list(workload_ids))
    workload_ids = list(workloads_qs.values_list("pk", flat=True))
    for start in range(0, len(workload_ids), batch):
        ids = workload_ids[start : start + batch]
        with transaction.atomic():
            # Lock the workloads, as every writer does, so no save slips in between.
            workloads = list(Workload.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
            reviews = list(LensReview.objects.filter(workload_id__in=ids).order_by("pk"))
            results = loader.results_for_lens_reviews(reviews)
            sums: dict[int, dict[str, int]] = {w.pk: dict.fromkeys(Risk, 0) for w in workloads}
            for review in reviews:
                fresh = dict(results[review.pk].counts)
                if review.is_active:
                    sums[review.workload_id] = scoring.sum_counts([sums[review.workload_id], fresh])
                if review.counts != fresh:
                    drift.append(Drift("lens review", review.pk, str(review), review.counts, fresh))
                    if fix:
                        LensReview.objects.filter(pk=review.pk).update(
                            **{count_field(r): n for r, n in fresh.items()}
                        )
            for workload in workloads:
                fresh = sums[workload.pk]
                if workload.counts != fresh:
                    drift.append(
                        Drift("workload", workload.pk, workload.name, workload.counts, fresh)
                    )
                    if fix:
                        Workload.objects.filter(pk=workload.pk).update(
                            **{count_field(r): n for r, n in fresh.items()}
                        )
    return drift
