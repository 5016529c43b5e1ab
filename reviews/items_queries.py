"""Reads of improvement items shared by the item pages and the exports (one place per rule)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from questions.vocab import PRACTICE_LEVELS
from reviews.labels import RISK_LABELS
from reviews.models import ImprovementItem
from reviews.vocab import Risk

Status = ImprovementItem.Status

OPEN = "open"  # not started or in progress, not resolved by the answer
RESOLVED = "resolved"  # resolved by the answer
STATUS_FILTERS = {
    OPEN: "Open",
    Status.NOT_STARTED: "Not started",
    Status.IN_PROGRESS: "In progress",
    Status.DONE: "Done",
    Status.RISK_ACCEPTED: "Risk accepted",
    RESOLVED: "Resolved by the answer",
    "all": "All",
}
OVERDUE, THIS_WEEK, NO_DATE = "overdue", "week", "none"
DUE_FILTERS = {OVERDUE: "Overdue", THIS_WEEK: "Due within 7 days", NO_DATE: "No due date"}
RISK_FILTERS = {r: RISK_LABELS[r] for r in (Risk.HIGH, Risk.MEDIUM, Risk.LOW)}


def open_q() -> Q:
    return Q(resolved_at__isnull=True, status__in=[Status.NOT_STARTED, Status.IN_PROGRESS])


def overdue_q(today: dt.date) -> Q:
    """Open and past its due date."""
    return open_q() & Q(due_date__lt=today)


def items_visible_to(user) -> QuerySet[ImprovementItem]:
    """Items of the workloads the user may see (staff: all), archived workloads left out."""
    items = ImprovementItem.objects.filter(
        workload__archived_at__isnull=True, lens_review__removed_at__isnull=True
    )
    if not user.is_authenticated:
        return items.none()
    if user.is_staff:
        return items
    return items.filter(workload__team__memberships__user=user)


@dataclass(frozen=True)
class ItemFilters:
    status: str = OPEN
    owner: str = ""  # "", "me", "none" or a user id
    due: str = ""
    risk: str = ""
    lens: str = ""  # a Lens id
    workload: str = ""  # a Workload id

    @classmethod
    def from_query(cls, params, **defaults) -> ItemFilters:
        def pick(name: str, allowed) -> str:
            value = (params.get(name) or defaults.get(name, "") or "").strip()
            return value if value in allowed or allowed is None else defaults.get(name, "")

        numeric = {
            "",
            *[
                v
                for v in [params.get("lens"), params.get("workload"), params.get("owner")]
                if v and v.isdigit()
            ],
        }
        return cls(
            status=pick("status", STATUS_FILTERS) or OPEN,
            owner=pick("owner", {"", "me", "none"} | numeric),
            due=pick("due", {"", *DUE_FILTERS}),
            risk=pick("risk", {"", *RISK_FILTERS}),
            lens=pick("lens", numeric),
            workload=pick("workload", numeric),
        )

    def as_query(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v}

    def apply(
        self, items: QuerySet[ImprovementItem], *, user, today: dt.date | None = None
    ) -> QuerySet[ImprovementItem]:
        today = today or timezone.localdate()
        if self.status == OPEN:
            items = items.filter(open_q())
        elif self.status == RESOLVED:
            items = items.filter(resolved_at__isnull=False)
        elif self.status != "all":
            items = items.filter(status=self.status, resolved_at__isnull=True)
        if self.owner == "me":
            items = items.filter(owner=user)
        elif self.owner == "none":
            items = items.filter(owner__isnull=True)
        elif self.owner:
            items = items.filter(owner_id=int(self.owner))
        if self.due == OVERDUE:
            items = items.filter(overdue_q(today))
        elif self.due == THIS_WEEK:
            items = items.filter(due_date__gte=today, due_date__lte=today + dt.timedelta(days=7))
        elif self.due == NO_DATE:
            items = items.filter(due_date__isnull=True)
        if self.risk:
            items = items.filter(risk=self.risk)
        if self.lens:
            items = items.filter(lens_review__lens_id=int(self.lens))
        if self.workload:
            items = items.filter(workload_id=int(self.workload))
        return items


RISK_ORDER = PRACTICE_LEVELS


def ordered(items: QuerySet[ImprovementItem]) -> QuerySet[ImprovementItem]:
    """Overdue and soonest due first, then highest risk, then the bank's order."""
    from django.db.models import Case, IntegerField, Value, When

    risk_rank = Case(
        *[When(risk=r, then=Value(i)) for i, r in enumerate(RISK_ORDER)],
        default=Value(9),
        output_field=IntegerField(),
    )
    return items.annotate(risk_rank=risk_rank).order_by(
        "due_date", "risk_rank", "workload__name", "pk"
    )
