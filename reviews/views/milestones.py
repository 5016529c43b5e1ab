"""Milestones of a workload: take one, list them with a trend, open one, compare two."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from reviews import access, charts, loader, scoring
from reviews.answer_state import EMPTY, AnswerState
from reviews.http import AppRequest
from reviews.models import Milestone, MilestoneLens
from reviews.services.milestones import MAX_MILESTONES, NAME_MAX, milestone_create
from reviews.views.summary import lens_rows, summary_context
from reviews.vocab import Risk

NOW = "now"


class MilestoneForm(forms.Form):
    name = forms.CharField(
        label="Milestone name",
        max_length=NAME_MAX,
        help_text="For example “Before launch” or “2026 Q1 review”. Names are unique per workload.",
    )


def _with_lenses(milestones):
    """Milestones with their frozen lenses (and versions) prefetched, answers left out."""
    return milestones.prefetch_related(
        Prefetch(
            "lenses",
            queryset=MilestoneLens.objects.select_related("lens_version").defer("answers"),
        )
    )


def _context(request: AppRequest, workload, form: MilestoneForm | None = None) -> dict:
    milestones = list(
        _with_lenses(Milestone.objects.filter(workload=workload))
        .select_related("created_by")
        .order_by("created_at", "pk")
    )
    frozen = {m.pk: loader.lens_parts_for_milestone(m) for m in milestones}
    for m in milestones:
        m.result = scoring.combine_results(frozen[m.pk])
    current = loader.lens_parts(loader.review_for_workload(workload))
    now = scoring.combine_results(current)
    points = [
        charts.TrendPoint(m.name, m.result.counts[Risk.HIGH], m.result.counts[Risk.MEDIUM])
        for m in milestones
    ]
    points.append(charts.TrendPoint("Now", now.counts[Risk.HIGH], now.counts[Risk.MEDIUM]))
    # One trend per lens, over the milestones that froze it (and now, if it is still active).
    names: dict[str, str] = {}
    for parts in [*frozen.values(), current]:
        for key, name, _ in parts:
            names.setdefault(key, name)
    lens_trends = []
    if len(names) > 1:
        for number, (key, name) in enumerate(names.items(), start=1):
            lens_points = [
                charts.TrendPoint(label, r.counts[Risk.HIGH], r.counts[Risk.MEDIUM])
                for label, parts in [
                    *((m.name, frozen[m.pk]) for m in milestones),
                    ("Now", current),
                ]
                for k, _, r in parts
                if k == key
            ]
            lens_trends.append(
                (
                    name,
                    charts.trend_svg(
                        lens_points,
                        title=f"High and medium risks of {name} over the milestones",
                        chart_id=f"trend-chart-lens-{number}",
                    ),
                )
            )
    can_take = access.can(request.user, workload, access.MILESTONE, role=workload.user_role)
    return {
        "workload": workload,
        "milestones": list(reversed(milestones)),  # newest first in the table
        "trend": charts.trend_svg(points),
        "lens_trends": lens_trends,
        "form": form if form is not None else (MilestoneForm() if can_take else None),
        "can_take": can_take,
        "max_milestones": MAX_MILESTONES,
        "tab": "milestones",
    }


@login_required
def milestone_list(request: AppRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    return render(request, "reviews/milestones/list.html", _context(request, workload))


@login_required
@access.require_methods("POST")
def milestone_new(request: AppRequest, workload_id: int) -> HttpResponse:
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
        return (
            Milestone.objects.select_related("created_by")
            .prefetch_related(
                Prefetch("lenses", queryset=MilestoneLens.objects.select_related("lens_version"))
            )
            .get(workload=workload, pk=pk)
        )
    except Milestone.DoesNotExist:
        raise Http404("No such milestone") from None


@login_required
def milestone_detail(request: AppRequest, workload_id: int, pk: int) -> HttpResponse:
    """The review as it was when the milestone was taken, from its snapshot alone."""
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    milestone = _milestone_or_404(workload, pk)
    result = loader.result_for_milestone(milestone)
    context = summary_context(workload, result)
    context["lens_rows"] = lens_rows(loader.lens_parts_for_milestone(milestone))
    context["chart"] = charts.risk_counts_svg(
        result.counts, title=f"Questions by risk at milestone {milestone.name}"
    )
    pillar_names = {p.ref: p.name for p in result.pillars}
    # Keyed like the combined result: the lens key, then the lens's own answer key.
    answers = {
        f"{loader.lens_key(f.lens_version.lens_id)}:{key}": AnswerState.from_json(value)
        for f in loader.frozen_lenses(milestone)
        for key, value in (f.answers or {}).items()
    }
    context["answers"] = [
        (
            pillar_names.get(q.pillar_ref, q.pillar_ref),
            q,
            answers.get(scoring.answer_key(q.pillar_ref, q.ref), EMPTY),
        )
        for q in result.questions
    ]
    context["frozen_versions"] = [f.lens_version for f in loader.frozen_lenses(milestone)]
    context.update(milestone=milestone, tab="milestones")
    return render(request, "reviews/milestones/detail.html", context)


def _lens_rows(before_parts, after_parts) -> list[dict]:
    """Per lens: its counts and score on each side (``None`` where it was not reviewed)."""
    before = {key: (name, result) for key, name, result in before_parts}
    after = {key: (name, result) for key, name, result in after_parts}
    rows = []
    for key in [*after, *(k for k in before if k not in after)]:
        name = (after.get(key) or before[key])[0]
        rows.append(
            {
                "name": name,
                "before": before[key][1] if key in before else None,
                "after": after[key][1] if key in after else None,
            }
        )
    return rows if len(rows) > 1 else []


@login_required
def milestone_compare(request: AppRequest, workload_id: int) -> HttpResponse:
    """Two milestones, or a milestone and now: what changed per question."""
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    milestones = list(
        _with_lenses(Milestone.objects.filter(workload=workload)).order_by("created_at", "pk")
    )
    by_id = {str(m.pk): m for m in milestones}
    base, other = request.GET.get("from", ""), request.GET.get("to", "") or NOW
    error = ""
    status = 200
    changes = None
    before = after = None
    lens_rows: list[dict] = []
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
        before_parts = loader.lens_parts_for_milestone(by_id[base])
        after_parts = (
            loader.lens_parts(loader.review_for_workload(workload))
            if other == NOW
            else loader.lens_parts_for_milestone(by_id[other])
        )
        before = scoring.combine_results(before_parts)
        after = scoring.combine_results(after_parts)
        changes = scoring.compare_results(before, after)
        lens_rows = _lens_rows(before_parts, after_parts)
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
            "lens_rows": lens_rows,
            "error": error,
            "tab": "milestones",
            "now": NOW,
        },
        status=status,
    )
