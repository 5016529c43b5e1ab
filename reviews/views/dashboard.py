"""The risk dashboard: every workload the user can see, with its counts, sortable,
filterable, paged.

Six queries whatever the number of workloads: session and user (2), the teams for the filter
(which are also the visible teams), the lenses for the search form, the totals (count, high,
medium) and one page of workloads with their team. Nothing is scored on read: filtering,
sorting and paging run in the database on the stored risk counts (``reviews.models.RiskCounts``),
written with every answer save, and each sort reads its page from an index
(``reviews.workload_order``), so a page costs the same at 100 and at 10,000 workloads. The
totals are one aggregate read from an index alone; only a deep page (OFFSET) walks further.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, overload
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import render

from accounts.onboarding import next_steps
from reviews.http import AppRequest
from reviews.models import Team, Workload
from reviews.search import WorkloadSearch, search_context
from reviews.workload_order import SORTS, workload_ordering

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

    @overload
    def __getitem__(self, key: int) -> DashboardRow: ...

    @overload
    def __getitem__(self, key: slice) -> list[DashboardRow]: ...

    def __getitem__(self, key: int | slice) -> DashboardRow | list[DashboardRow]:
        if isinstance(key, int):
            return DashboardRow.of(self.workloads[key])
        return [DashboardRow.of(w) for w in self.workloads[key]]

    def __iter__(self) -> Iterator[DashboardRow]:
        return (DashboardRow.of(w) for w in self.workloads)


def visible_workloads(user) -> QuerySet[Workload]:
    return Workload.objects.visible_to(user).active()


def visible_teams(user) -> list[tuple[int, str]]:
    """(id, name) of the teams with an active workload the user can see, by name: one probe
    of an index per team, whatever their number of workloads."""
    teams = Team.objects.filter(Exists(Workload.objects.active().filter(team=OuterRef("pk"))))
    if not user.is_staff:
        teams = teams.filter(memberships__user=user)
    return list(teams.order_by("name").values_list("pk", "name"))


def workloads_of_teams(user, team_ids: list[int]) -> QuerySet[Workload]:
    """``visible_workloads(user)`` given ``visible_teams(user)``'s ids, with no join: the ids go
    to the database as values, so the planner sees how many workloads each team has and picks
    between reading a sort index in order and sorting one small team's rows."""
    workloads = Workload.objects.active()
    return workloads if user.is_staff else workloads.filter(team_id__in=team_ids)


@dataclass(frozen=True, slots=True)
class DashboardFilters:
    """The dashboard's filters and sort, from the URL (anything unknown is ignored); reusable
    by any page that selects "the workloads the dashboard shows"."""

    search: WorkloadSearch
    team: str = ""  # a team id, as given
    environment: str = ""
    sort: str = DEFAULT_SORT

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> DashboardFilters:
        team = params.get("team") or ""
        # isascii: str.isdigit accepts "²", which int() refuses; the length keeps it a bigint.
        if not (team.isascii() and team.isdigit() and len(team) < 19):
            team = ""
        environment = params.get("environment") or ""
        if environment not in Workload.Environment.values:
            environment = ""
        sort = params.get("sort") or DEFAULT_SORT
        if sort.removeprefix("-") not in SORTS:
            sort = DEFAULT_SORT
        return cls(WorkloadSearch.from_query(params), team, environment, sort)

    @property
    def active(self) -> bool:
        return bool(self.team or self.environment or self.search.active)

    def apply(self, workloads: QuerySet[Workload]) -> QuerySet[Workload]:
        """The filters (not the sort) on ``workloads``."""
        workloads = self.search.filter_queryset(workloads)
        if self.team:
            workloads = workloads.filter(team_id=int(self.team))
        if self.environment:
            workloads = workloads.filter(environment=self.environment)
        return workloads

    def params(self, sort: str | None = None) -> dict[str, str]:
        values = {
            **self.search.params(),
            "team": self.team,
            "environment": self.environment,
            "sort": sort or self.sort,
        }
        return {k: v for k, v in values.items() if v}


def _columns(filters: DashboardFilters) -> list[dict[str, str]]:
    columns = []
    for key, sort in SORTS.items():
        active = filters.sort.removeprefix("-") == key
        descending = filters.sort.startswith("-")
        # First click on a risk or a date column shows the largest first.
        first = "" if key == "name" else "-"
        next_sort = (key if descending else f"-{key}") if active else f"{first}{key}"
        columns.append(
            {
                "key": key,
                "label": sort.label,
                "url": "?" + urlencode(filters.params(next_sort)),
                "aria_sort": ("descending" if descending else "ascending") if active else "",
            }
        )
    return columns


def _page_links(page: Page) -> list[dict[str, Any]]:
    """The first and last pages and two either side of this one, gaps as an ellipsis: a few
    links whatever the number of pages."""
    paginator = page.paginator
    return [
        {"ellipsis": True}
        if not isinstance(n, int)  # paginator.ELLIPSIS
        else {"number": n, "current": n == page.number}
        for n in paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
    ]


@login_required
def dashboard(request: AppRequest) -> HttpResponse:
    filters = DashboardFilters.from_query(request.GET)
    teams = visible_teams(request.user)
    workloads = filters.apply(workloads_of_teams(request.user, [pk for pk, _ in teams]))
    totals = workloads.aggregate(
        # COUNT(*), not COUNT(id): the id is not in the totals index, which alone is read.
        workloads=Count("*"),
        high=Coalesce(Sum("high_count"), 0),
        medium=Coalesce(Sum("medium_count"), 0),
    )
    rows = Rows(
        workloads.select_related("team").order_by(*workload_ordering(filters.sort)),
        totals["workloads"],
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/dashboard.html",
        {
            "nav": "dashboard",
            "page": page,
            "page_links": _page_links(page),
            "columns": _columns(filters),
            "teams": teams,
            "environments": Workload.Environment.choices,
            "team": filters.team,
            "environment": filters.environment,
            "sort": filters.sort,
            "query": urlencode(filters.params()),
            "totals": totals,
            "filtered": filters.active,
            # Only an empty dashboard says what to do next (and pays for finding out).
            "next_steps": None if rows or filters.active else next_steps(request.user),
            **search_context(filters.search),
        },
    )
