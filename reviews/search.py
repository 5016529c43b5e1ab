"""Searching and filtering workloads: one rule for the workload list and the dashboard.

The text search and the lens filter narrow the database query; the risk and progress filters
need each workload's score, which both pages compute anyway for every visible workload in a
fixed number of queries (``loader.results_for_workloads``), so they are applied to those results
and cost no query of their own. Every value comes from the URL, so a filtered page can be
bookmarked and shared; anything unknown in it is ignored, never an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from questions.models import Lens
from reviews import scoring
from reviews.models import LensReview
from reviews.vocab import Risk

MAX_QUERY = 100  # characters of search text kept; more only makes the query slower


class RiskFilter(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    NONE = "none"

    @property
    def label(self) -> str:
        return RISK_LABELS[self]


RISK_LABELS = {
    RiskFilter.HIGH: "With high risks",
    RiskFilter.MEDIUM: "With medium risks",
    RiskFilter.NONE: "No high or medium risk",
}


class ProgressFilter(StrEnum):
    NOT_STARTED = "not-started"
    IN_PROGRESS = "in-progress"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        return PROGRESS_LABELS[self]


PROGRESS_LABELS = {
    ProgressFilter.NOT_STARTED: "Not started",
    ProgressFilter.IN_PROGRESS: "In progress",
    ProgressFilter.COMPLETE: "Every question answered",
}


@dataclass(frozen=True, slots=True)
class WorkloadSearch:
    q: str = ""
    lens: int | None = None  # a Lens id
    risk: RiskFilter | None = None
    progress: ProgressFilter | None = None

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> WorkloadSearch:
        q = " ".join((params.get("q") or "").replace("\x00", "").split())[:MAX_QUERY]
        lens_raw = params.get("lens") or ""
        # isascii: str.isdigit accepts "²", which int() refuses.
        lens = int(lens_raw) if lens_raw.isascii() and lens_raw.isdigit() else None
        risk = params.get("risk") or ""
        progress = params.get("progress") or ""
        return cls(
            q=q,
            lens=lens if lens and lens < 2**31 else None,
            risk=RiskFilter(risk) if risk in RiskFilter._value2member_map_ else None,
            progress=(
                ProgressFilter(progress) if progress in ProgressFilter._value2member_map_ else None
            ),
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.lens or self.risk or self.progress)

    def params(self) -> dict[str, str]:
        """The non-empty filters as URL parameters (to keep them in sort and page links)."""
        values = {
            "q": self.q,
            "lens": str(self.lens or ""),
            "risk": self.risk or "",
            "progress": self.progress or "",
        }
        return {k: v for k, v in values.items() if v}

    def filter_queryset(self, workloads: QuerySet) -> QuerySet:
        """Text (name, description, team, owners), lens, risk and progress, in the database
        (risk and progress on the stored counts)."""
        if self.q:
            for word in self.q.split():
                workloads = workloads.filter(
                    Q(name__icontains=word)
                    | Q(description__icontains=word)
                    | Q(team__name__icontains=word)
                    | Q(owner__icontains=word)
                    | Q(review_owner__icontains=word)
                )
        if self.lens:
            reviewed = LensReview.objects.active().filter(lens_id=self.lens).values("workload_id")
            workloads = workloads.filter(pk__in=reviewed)
        answered = (
            F("high_count")
            + F("medium_count")
            + F("low_count")
            + F("none_count")
            + F("not_applicable_count")
        )
        if self.risk == RiskFilter.HIGH:
            workloads = workloads.filter(high_count__gt=0)
        elif self.risk == RiskFilter.MEDIUM:
            workloads = workloads.filter(medium_count__gt=0)
        elif self.risk == RiskFilter.NONE:
            workloads = workloads.alias(answered=answered).filter(
                answered__gt=0, high_count=0, medium_count=0
            )
        if self.progress == ProgressFilter.NOT_STARTED:
            workloads = workloads.alias(answered=answered).filter(answered=0)
        elif self.progress == ProgressFilter.IN_PROGRESS:
            workloads = workloads.alias(answered=answered).filter(
                answered__gt=0, unanswered_count__gt=0
            )
        elif self.progress == ProgressFilter.COMPLETE:
            workloads = workloads.alias(answered=answered).filter(
                answered__gt=0, unanswered_count=0
            )
        return workloads

    def keeps(self, result: scoring.WorkloadResult | None) -> bool:
        """Risk and progress, on a workload's computed result (for callers that scored)."""
        if not (self.risk or self.progress):
            return True
        if result is None:
            return False
        high, medium = result.counts[Risk.HIGH], result.counts[Risk.MEDIUM]
        answered, total = result.answered, result.total
        risk_ok = {
            None: True,
            RiskFilter.HIGH: high > 0,
            RiskFilter.MEDIUM: medium > 0,
            RiskFilter.NONE: answered > 0 and not (high or medium),
        }[self.risk]
        progress_ok = {
            None: True,
            ProgressFilter.NOT_STARTED: answered == 0,
            ProgressFilter.IN_PROGRESS: 0 < answered < total,
            ProgressFilter.COMPLETE: total > 0 and answered == total,
        }[self.progress]
        return risk_ok and progress_ok


def lens_options() -> list[tuple[int, str]]:
    """(lens id, name) of the lenses some active lens review uses, by name: one index probe per
    lens, whatever the number of workloads. Lenses are one library for every team (any
    architect may add any of them), so a lens only other teams use is no secret; filtering on
    it finds none of the user's workloads."""
    return list(
        Lens.objects.filter(Exists(LensReview.objects.active().filter(lens=OuterRef("pk"))))
        .order_by("name")
        .values_list("pk", "name")
    )


def search_context(search: WorkloadSearch) -> dict:
    """What the shared search form needs (one query, for the lens list)."""
    return {
        "search": search,
        "lenses": lens_options(),
        "risk_options": list(RiskFilter),
        "progress_options": list(ProgressFilter),
    }
