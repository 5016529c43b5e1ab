"""Consolidated reports: a team lead picks workloads (ticked, or every one matching the
dashboard's filters), requests a report over them, watches its status and downloads the PDF,
the JSON or the CSV.

Nothing is rendered here: the request writes a row and queues the worker's task on commit
(``reviews.services.consolidated``). Leads of the team and admins only (``access``): another
team's report is a 404, an architect of the team gets a 403. Each page runs a fixed number of
queries.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models.functions import Lower
from django.http import FileResponse, Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from accounts.audit import audit_record
from questions.models import Lens
from reviews import access
from reviews.audit_actions import ReviewAction
from reviews.http import AppRequest
from reviews.models import ConsolidatedReport, Team, Workload
from reviews.services.consolidated import (
    ReportLimitReached,
    consolidated_request,
    consolidated_retry,
)
from reviews.views.dashboard import DashboardFilters

LIST_SIZE = 50
TICKED, FILTERS = "ticked", "filters"
# The dashboard's filters the request page understands (sorting and paging do not matter).
FILTER_PARAMS = ("q", "lens", "risk", "progress", "environment", "sort")


def _ids(values: list[str]) -> list[int]:
    ids = []
    for value in values:
        # isascii: str.isdigit accepts "²", which int() refuses; the length keeps it a bigint.
        if not (value.isascii() and value.isdigit() and len(value) < 19):
            raise ValidationError("That is not a workload of this page.", code="invalid")
        ids.append(int(value))
    return ids


class WorkloadIdsField(forms.Field):
    """The ticked workload checkboxes: a list of ids (checked against the team by the
    service, which says how many are not the team's without naming them)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        return _ids([str(v) for v in value or []])


class ConsolidatedRequestForm(forms.Form):
    mode = forms.ChoiceField(
        choices=[(TICKED, "The workloads ticked below"), (FILTERS, "Every matching workload")],
        initial=TICKED,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    workload = WorkloadIdsField(required=False)


def describe(filters: DashboardFilters) -> str:
    """The dashboard's filters (not the team) in words, for the page and the report's cover."""
    search = filters.search
    parts = []
    if search.q:
        parts.append(f"text “{search.q}”")
    if search.lens:
        name = Lens.objects.filter(pk=search.lens).values_list("name", flat=True).first()
        parts.append(f"lens {name or search.lens}")
    if search.risk:
        parts.append(search.risk.label.lower())
    if search.progress:
        parts.append(search.progress.label.lower())
    if filters.environment:
        parts.append(Workload.Environment(filters.environment).label.lower())
    return ", ".join(parts) if parts else "none (every active workload of the team)"


def _team(filters: DashboardFilters, teams: list[Team]) -> Team | None:
    """The dashboard's team filter if the user may report on it (else ``NotTheirs``); their
    only team when no team is asked for; ``None`` when they must choose."""
    by_id = {str(team.pk): team for team in teams}
    if filters.team in by_id:
        return by_id[filters.team]
    if filters.team:
        raise NotTheirs
    return teams[0] if len(teams) == 1 else None


class NotTheirs(Exception):
    """A team was asked for that the user does not lead."""


def _refused(request: AppRequest) -> HttpResponse:
    return render(
        request,
        "reviews/consolidated/new.html",
        {"nav": "consolidated", "refused": True},
        status=403,
    )


@login_required
@access.require_methods("GET", "HEAD", "POST")
def consolidated_new(request: AppRequest) -> HttpResponse:
    """Pick the workloads (ticked, or every one the filters match) and request the report."""
    teams = list(access.teams_for_consolidated(request.user).order_by("name"))
    if not teams:
        return _refused(request)
    source = request.POST if request.method == "POST" else request.GET
    filters = DashboardFilters.from_query(source)
    try:
        team = _team(filters, teams)
    except NotTheirs:
        # Another team's id: a 404, as for every object of another team; a team the user is
        # in without leading it: the same refusal as above.
        if not access.teams_visible_to(request.user).filter(pk=int(filters.team)).exists():
            raise Http404("No such team") from None
        return _refused(request)
    if team is None:
        # Several teams and none chosen: the page asks which one (links keep the filters).
        return render(
            request,
            "reviews/consolidated/new.html",
            {"nav": "consolidated", "teams": teams, "team": None, "query": _query(source)},
        )
    matching = filters.apply(Workload.objects.active().filter(team=team)).order_by(
        Lower("name"), "pk"
    )
    status = 200
    if request.method == "POST":
        form = ConsolidatedRequestForm(request.POST)
        if form.is_valid():
            if form.cleaned_data["mode"] == FILTERS:
                ids = list(matching.values_list("pk", flat=True))
                selection = f"Every workload matching the filters: {describe(filters)}"
            else:
                ids = form.cleaned_data["workload"]
                selection = f"{len(set(ids))} workload{'s' if len(set(ids)) != 1 else ''} ticked"
            try:
                report = consolidated_request(
                    team=team,
                    workload_ids=ids,
                    selection=selection,
                    user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
                status = 422
            except ReportLimitReached as exc:
                form.add_error(None, str(exc))
                status = 429
            else:
                messages.success(
                    request,
                    "Consolidated report requested. It is rendered in the background; this "
                    "page shows when it is ready.",
                )
                return redirect("reviews:consolidated_detail", consolidated_id=report.pk)
        else:
            status = 422
        ticked = set(_ids_or_empty(request.POST.getlist("workload")))
    else:
        form = ConsolidatedRequestForm(
            initial={"mode": FILTERS if request.GET.get("mode") == FILTERS else TICKED}
        )
        ticked = set(_ids_or_empty(request.GET.getlist("workload")))
    limit = settings.CONSOLIDATED_MAX_WORKLOADS
    shown = list(matching.values("pk", "name", "environment")[: limit + 1])
    return render(
        request,
        "reviews/consolidated/new.html",
        {
            "nav": "consolidated",
            "teams": teams,
            "team": team,
            "form": form,
            "filters": describe(filters),
            "filter_params": {
                k: v for k, v in filters.params().items() if k not in ("team", "sort")
            },
            "workloads": shown[:limit],
            "too_many": len(shown) > limit,
            "limit": limit,
            # Nothing ticked on the dashboard: start with every match ticked.
            "ticked": ticked or {w["pk"] for w in shown},
            "dashboard_url": reverse("reviews:dashboard")
            + "?"
            + urlencode({**filters.params(), "team": team.pk}),
        },
        status=status,
    )


def _ids_or_empty(values: list[str]) -> list[int]:
    try:
        return _ids(values)
    except ValidationError:
        return []


def _query(params: QueryDict) -> str:
    """The filters and ticked workloads of ``params``, to carry them to the chosen team."""
    pairs = [(name, params[name]) for name in FILTER_PARAMS if params.get(name)]
    return urlencode(pairs + [("workload", w) for w in params.getlist("workload")])


@login_required
@access.require_methods("GET", "HEAD")
def consolidated_list(request: AppRequest) -> HttpResponse:
    """The consolidated reports of the teams the user leads (admins: every team's)."""
    teams = access.teams_for_consolidated(request.user)
    reports = list(
        ConsolidatedReport.objects.filter(team__in=teams.values("pk"))
        .select_related("team", "requested_by")
        .defer("workload_ids")[:LIST_SIZE]
    )
    return render(
        request,
        "reviews/consolidated/list.html",
        {"nav": "consolidated", "reports": reports},
    )


@login_required
@access.require_methods("GET", "HEAD")
def consolidated_detail(request: AppRequest, consolidated_id: int) -> HttpResponse:
    report = access.get_consolidated_or_404(request.user, consolidated_id)
    return render(
        request, "reviews/consolidated/detail.html", {"nav": "consolidated", "report": report}
    )


@login_required
@access.require_methods("GET", "HEAD")
def consolidated_status(request: AppRequest, consolidated_id: int) -> HttpResponse:
    """The status fragment htmx polls every 2 s while the report is queued or rendering."""
    report = access.get_consolidated_or_404(request.user, consolidated_id)
    return render(request, "reviews/consolidated/_status.html", {"report": report})


@login_required
@access.require_methods("POST")
def consolidated_retry_view(request: AppRequest, consolidated_id: int) -> HttpResponse:
    report = access.get_consolidated_or_404(request.user, consolidated_id)
    retried = consolidated_retry(report=report, actor=request.user, request=request)
    if request.htmx:
        return render(request, "reviews/consolidated/_status.html", {"report": report})
    if not retried:
        messages.info(request, "That report is not failed, so there is nothing to retry.")
    return redirect("reviews:consolidated_detail", consolidated_id=report.pk)


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
}


@login_required
@access.require_methods("GET", "HEAD")
def consolidated_download(request: AppRequest, consolidated_id: int, fmt: str) -> FileResponse:
    """Streams one of a ready report's files to the team's leads and admins."""
    report = access.get_consolidated_or_404(request.user, consolidated_id)
    file = getattr(report, f"{fmt}_file")
    if report.status != ConsolidatedReport.Status.READY or not file:
        raise Http404("This report is not ready")
    try:
        handle = file.open("rb")
    except FileNotFoundError:
        raise Http404("The report file is missing; request a new report") from None
    audit_record(
        action=ReviewAction.CONSOLIDATED_DOWNLOADED,
        request=request,
        target=report,
        team=report.team_id,
        data={"format": fmt},
    )
    day = timezone.localdate(report.finished_at or report.created_at)
    name = f"{slugify(report.team.name) or 'team'}-consolidated-{day.isoformat()}.{fmt}"
    response = FileResponse(
        handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt]
    )
    response["Cache-Control"] = "private, no-store"
    return response
