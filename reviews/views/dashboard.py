"""The risk dashboard: every workload the user can see, with its counts, sortable,
filterable, paged.

Five queries whatever the number of workloads: session and user (2), the teams for the filter,
the totals (count, high, medium) and one page of workloads with their team. Nothing is scored
on read: filtering, sorting and paging run in the database on the stored risk counts
(``reviews.models.RiskCounts``), written with every answer save.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, ExpressionWrapper, F, FloatField, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.onboarding import next_steps
from reviews.models import COUNT_FIELDS, Team, Workload
from reviews.search import WorkloadSearch, search_context

PAGE_SIZE = 25
DEFAULT_SORT = "-high"


@dataclass(frozen=True, slots=True)
class DashboardRow:
    workload: Workload
    high: int
    medium: int
    answered: int
    total: int
    score: int | None
    last_change: datetime

    @classmethod
    def of(cls, workload: Workload) -> DashboardRow:
        return cls(
            workload=workload,
            high=workload.high_count,
            medium=workload.medium_count,
            answered=workload.answered,
            total=workload.total,
            score=workload.score,
            # Every answer save and lens change bumps ``updated_at``: it is the last change.
            last_change=workload.updated_at,
        )

    @property
    def progress(self) -> int:
        """Percentage of questions answered (not applicable counts as answered)."""
        return round(100 * self.answered / self.total) if self.total else 0


def _sum(*fields: str) -> Any:
    return reduce(operator.add, (F(f) for f in fields))


_TOTAL = _sum(*COUNT_FIELDS)
_SCORED = _sum("high_count", "medium_count", "low_count", "none_count")
# Sorting happens in the database on the stored counts; the figures shown are rounded in
# Python (``RiskCounts.score``), and rounding never reorders, so both agree.
_RATIO_PROGRESS = Coalesce(
    ExpressionWrapper(
        (_TOTAL - F("unanswered_count")) * 1.0 / NullIf(_TOTAL, 0), output_field=FloatField()
    ),
    0.0,
)
_RATIO_SCORE = ExpressionWrapper(
    (F("none_count") * 100 + F("low_count") * 75 + F("medium_count") * 50)
    * 1.0
    / NullIf(_SCORED, 0),
    output_field=FloatField(),
)
SORTS: dict[str, tuple[str, Any]] = {
    "name": ("Name", Lower("name")),
    "high": ("High risk", F("high_count")),
    "medium": ("Medium risk", F("medium_count")),
    "progress": ("Progress", _RATIO_PROGRESS),
    "score": ("Score", _RATIO_SCORE),
    "changed": ("Last change", F("updated_at")),
}


def ordering(sort: str) -> list[Any]:
    """ORDER BY for ``sort``: ties by name (alphabetical whichever the direction, except when
    sorting by name); workloads without a score last in both directions."""
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    expression = SORTS[key][1]
    if key == "name":
        return [expression.desc(), F("pk").desc()] if descending else [expression, "pk"]
    column = expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
    return [column, Lower("name"), "pk"]


class Rows:
    """The sorted workloads as ``DashboardRow``s, read page by page by the paginator."""

    def __init__(self, workloads: QuerySet[Workload], count: int) -> None:
        self.workloads = workloads
        self._count = count
        self.ordered = True

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key: slice) -> list[DashboardRow]:
        return [DashboardRow.of(w) for w in self.workloads[key]]

    def __iter__(self) -> Iterator[DashboardRow]:
        return (DashboardRow.of(w) for w in self.workloads)


def visible_workloads(user) -> QuerySet[Workload]:
    return Workload.objects.visible_to(user).active()


def _params(search: WorkloadSearch, team: str, environment: str, sort: str) -> dict[str, str]:
    params = {**search.params(), "team": team, "environment": environment, "sort": sort}
    return {k: v for k, v in params.items() if v}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    search = WorkloadSearch.from_query(request.GET)
    visible = visible_workloads(request.user)
    teams = list(
        Team.objects.filter(pk__in=visible.values("team_id"))
        .order_by("name")
        .values_list("pk", "name")
    )
    environments = Workload.Environment.choices

    workloads = search.filter_queryset(visible)
    team = request.GET.get("team", "")
    # isascii: str.isdigit accepts "²", which int() refuses; the length keeps it a bigint.
    if team.isascii() and team.isdigit() and len(team) < 19:
        workloads = workloads.filter(team_id=int(team))
    else:
        team = ""
    environment = request.GET.get("environment", "")
    if environment in Workload.Environment.values:
        workloads = workloads.filter(environment=environment)
    else:
        environment = ""
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT

    totals = workloads.aggregate(
        workloads=Count("pk"),
        high=Coalesce(Sum("high_count"), 0),
        medium=Coalesce(Sum("medium_count"), 0),
    )
    rows = Rows(workloads.select_related("team").order_by(*ordering(sort)), totals["workloads"])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    columns = []
    for key, (label, _) in SORTS.items():
        active = sort.removeprefix("-") == key
        descending = sort.startswith("-")
        # First click on a risk or a date column shows the largest first.
        first = "" if key == "name" else "-"
        next_sort = (key if descending else f"-{key}") if active else f"{first}{key}"
        columns.append(
            {
                "key": key,
                "label": label,
                "url": "?" + urlencode(_params(search, team, environment, next_sort)),
                "aria_sort": ("descending" if descending else "ascending") if active else "",
            }
        )
    return render(
        request,
        "reviews/dashboard.html",
        {
            "nav": "dashboard",
            "page": page,
            "columns": columns,
            "teams": teams,
            "environments": environments,
            "team": team,
            "environment": environment,
            "sort": sort,
            "query": urlencode(_params(search, team, environment, sort)),
            "totals": totals,
            "filtered": bool(team or environment or search.active),
            # Only an empty dashboard says what to do next (and pays for finding out).
            "next_steps": None
            if rows or team or environment or search.active
            else next_steps(request.user),
            **search_context(search, visible_workloads(request.user)),
        },
    )
