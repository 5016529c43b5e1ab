"""The risk dashboard: every workload the user can see, scored, sortable, filterable, paged.

Nine queries whatever the number of workloads: session and user (2), the visible workloads with
their team and latest answer change (1), the lens versions' banks (5), the answers (1).
Teams for the filter come from the same workload list, so they cost nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.onboarding import next_steps
from reviews import loader, scoring
from reviews.models import Workload
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

    @property
    def progress(self) -> int:
        """Percentage of questions answered (not applicable counts as answered)."""
        return round(100 * self.answered / self.total) if self.total else 0


# Ties are broken by name; workloads without a score yet come last in both directions.
SORTS = {
    "name": ("Name", lambda r: (r.workload.name.casefold(), r.workload.pk)),
    "high": ("High risk", lambda r: r.high),
    "medium": ("Medium risk", lambda r: r.medium),
    "progress": ("Progress", lambda r: r.progress),
    "score": ("Score", lambda r: r.score),
    "changed": ("Last change", lambda r: r.last_change),
}


def visible_workloads(user):
    return Workload.objects.visible_to(user).active()


def dashboard_rows(user, search: WorkloadSearch | None = None) -> list[DashboardRow]:
    """Every active workload ``user`` may see that ``search`` keeps, scored (7 queries whatever
    their number)."""
    search = search or WorkloadSearch()
    workloads = list(
        search.filter_queryset(visible_workloads(user))
        .select_related("team")
        .annotate(last_answer_at=Max("answers__updated_at"))
        .order_by("name", "pk")
    )
    results = loader.results_for_workloads(workloads) if workloads else {}
    rows = []
    for workload in workloads:
        result = results[workload.pk]
        if not search.keeps(result):
            continue
        changes = [workload.updated_at, workload.last_answer_at]
        rows.append(
            DashboardRow(
                workload=workload,
                high=result.counts[scoring.HIGH],
                medium=result.counts[scoring.MEDIUM],
                answered=result.answered,
                total=result.total,
                score=result.score,
                last_change=max(c for c in changes if c is not None),
            )
        )
    return rows


def sort_rows(rows: list[DashboardRow], sort: str) -> list[DashboardRow]:
    key = sort.removeprefix("-")
    descending = sort.startswith("-")
    by_name = sorted(rows, key=SORTS["name"][1])
    if key == "name":
        return list(reversed(by_name)) if descending else by_name
    if key == "score":
        unscored = [r for r in by_name if r.score is None]
        scored = [r for r in by_name if r.score is not None]
        return sorted(scored, key=SORTS[key][1], reverse=descending) + unscored
    # Stable sorts: by name first, then by the chosen column, so ties stay alphabetical.
    return sorted(by_name, key=SORTS[key][1], reverse=descending)


def _params(search: WorkloadSearch, team: str, environment: str, sort: str) -> dict[str, str]:
    params = {**search.params(), "team": team, "environment": environment, "sort": sort}
    return {k: v for k, v in params.items() if v}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    search = WorkloadSearch.from_query(request.GET)
    rows = dashboard_rows(request.user, search)
    teams = sorted({(r.workload.team_id, r.workload.team.name) for r in rows}, key=lambda t: t[1])
    environments = Workload.Environment.choices

    team = request.GET.get("team", "")
    # isascii: str.isdigit accepts "²", which int() refuses.
    if team.isascii() and team.isdigit():
        rows = [r for r in rows if r.workload.team_id == int(team)]
    else:
        team = ""
    environment = request.GET.get("environment", "")
    if environment in Workload.Environment.values:
        rows = [r for r in rows if r.workload.environment == environment]
    else:
        environment = ""
    sort = request.GET.get("sort", DEFAULT_SORT)
    if sort.removeprefix("-") not in SORTS:
        sort = DEFAULT_SORT

    totals = {
        "workloads": len(rows),
        "high": sum(r.high for r in rows),
        "medium": sum(r.medium for r in rows),
    }
    page = Paginator(sort_rows(rows, sort), PAGE_SIZE).get_page(request.GET.get("page"))
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
