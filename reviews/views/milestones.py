"""Milestones of a workload: take one, list them with a trend, open one, compare two."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from reviews import access, charts, loader, scoring
from reviews.models import Milestone
from reviews.services.milestones import MAX_MILESTONES, NAME_MAX, milestone_create
from reviews.views.summary import summary_context

NOW = "now"


class MilestoneForm(forms.Form):
    name = forms.CharField(
        label="Milestone name",
        max_length=NAME_MAX,
        help_text="For example “Before launch” or “2026 Q1 review”. Names are unique per workload.",
    )


def _context(request: HttpRequest, workload, form: MilestoneForm | None = None) -> dict:
    milestones = list(
        Milestone.objects.filter(workload=workload)
        .select_related("lens_version__lens", "created_by")
        .defer("answers")
        .order_by("created_at", "pk")
    )
    now = loader.result_for_workload(workload)
    points = [
        charts.TrendPoint(
            m.name,
            int(m.results.get("counts", {}).get(scoring.HIGH, 0)),
            int(m.results.get("counts", {}).get(scoring.MEDIUM, 0)),
        )
        for m in milestones
    ]
    points.append(charts.TrendPoint("Now", now.counts[scoring.HIGH], now.counts[scoring.MEDIUM]))
    can_take = access.can(request.user, workload, access.MILESTONE, role=workload.user_role)
    return {
        "workload": workload,
        "milestones": list(reversed(milestones)),  # newest first in the table
        "trend": charts.trend_svg(points),
        "form": form if form is not None else (MilestoneForm() if can_take else None),
        "can_take": can_take,
        "max_milestones": MAX_MILESTONES,
        "tab": "milestones",
    }


@login_required
def milestone_list(request: HttpRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    return render(request, "reviews/milestones/list.html", _context(request, workload))


@login_required
@access.require_methods("POST")
def milestone_new(request: HttpRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.MILESTONE)
    form = MilestoneForm(request.POST)
    if form.is_valid():
        try:
            milestone = milestone_create(
                workload=workload,
                name=form.cleaned_data["name"],
                user=request.user,
                request=request,
            )
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, f"Milestone “{milestone.name}” saved.")
            return redirect("reviews:milestone_detail", workload_id=workload.pk, pk=milestone.pk)
    return render(
        request, "reviews/milestones/list.html", _context(request, workload, form), status=400
    )


def _milestone_or_404(workload, pk: int) -> Milestone:
    try:
        return Milestone.objects.select_related("lens_version__lens", "created_by").get(
            workload=workload, pk=pk
        )
    except Milestone.DoesNotExist:
        raise Http404("No such milestone") from None


@login_required
def milestone_detail(request: HttpRequest, workload_id: int, pk: int) -> HttpResponse:
    """The review as it was when the milestone was taken, from its snapshot alone."""
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    milestone = _milestone_or_404(workload, pk)
    result = loader.result_for_milestone(milestone)
    context = summary_context(workload, result)
    context["chart"] = charts.risk_counts_svg(
        result.counts, title=f"Questions by risk at milestone {milestone.name}"
    )
    pillar_names = {p.ref: p.name for p in result.pillars}
    context["answers"] = [
        (
            pillar_names.get(q.pillar_ref, q.pillar_ref),
            q,
            (milestone.answers or {}).get(scoring.answer_key(q.pillar_ref, q.ref), {}),
        )
        for q in result.questions
    ]
    context.update(milestone=milestone, tab="milestones")
    return render(request, "reviews/milestones/detail.html", context)


@login_required
def milestone_compare(request: HttpRequest, workload_id: int) -> HttpResponse:
    """Two milestones, or a milestone and now: what changed per question."""
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    milestones = list(
        Milestone.objects.filter(workload=workload).defer("answers").order_by("created_at", "pk")
    )
    by_id = {str(m.pk): m for m in milestones}
    base, other = request.GET.get("from", ""), request.GET.get("to", "") or NOW
    error = ""
    status = 200
    changes = None
    before = after = None
    if not milestones:
        error = "Take a milestone first: there is nothing to compare yet."
        base, other = "", NOW
    elif (base and base not in by_id) or (other != NOW and other not in by_id):
        # An id of another workload's milestone, a deleted one or garbage: say so rather
        # than quietly comparing something else.
        error = "That milestone is not one of this workload's. Choose milestones from the lists."
        status = 404
        base = base if base in by_id else ""
        other = other if other in by_id else NOW
    elif not base:
        # Default: the newest milestone, or the one before it when comparing to the newest.
        base = str(milestones[-1].pk) if other != str(milestones[-1].pk) else ""
        if not base and len(milestones) > 1:
            base = str(milestones[-2].pk)
        if not base:
            error = "Choose a milestone to compare."
    if not error:
        before = scoring.result_from_json(by_id[base].results)
        after = (
            loader.result_for_workload(workload)
            if other == NOW
            else scoring.result_from_json(by_id[other].results)
        )
        changes = scoring.compare_results(before, after)
    return render(
        request,
        "reviews/milestones/compare.html",
        {
            "workload": workload,
            "milestones": milestones,
            "base": base,
            "other": other,
            "base_name": by_id[base].name if base in by_id else "",
            "other_name": "now" if other == NOW else by_id[other].name,
            "before": before,
            "after": after,
            "changes": changes,
            "error": error,
            "tab": "milestones",
            "now": NOW,
        },
        status=status,
    )
