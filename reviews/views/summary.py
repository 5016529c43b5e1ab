"""A workload's summary (risk counts per pillar, score, chart) and its improvement plan."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from questions.models import Question
from reviews import access, charts, loader, scoring
from reviews.http import AppRequest
from reviews.labels import RISK_LABELS
from reviews.models import LensReview
from reviews.services.workloads import workload_pillars, workload_set_pillar_priorities
from reviews.vocab import Risk

PLAN_FILTERS = (Risk.HIGH, Risk.MEDIUM, Risk.LOW)
# The same order as the chart, so the table and the picture read alike.
COUNT_COLUMNS = charts.ORDER


def question_ids(workload) -> dict[tuple[str, str], int]:
    """(pillar id as in a combined result, question id) -> Question pk, for the questions of
    the workload's active lens reviews, in one query."""
    versions = LensReview.objects.active().filter(workload=workload).values("lens_version_id")
    rows = Question.objects.filter(pillar__version_id__in=versions).values_list(
        "pillar__version__lens_id", "pillar__ref", "ref", "pk"
    )
    return {
        (f"{loader.lens_key(lens_id)}:{pillar_ref}", ref): pk
        for lens_id, pillar_ref, ref, pk in rows
    }


def lens_rows(parts) -> list[dict]:
    """Per lens (when there are several): its counts in the table's columns and its score."""
    if len(parts) < 2:
        return []
    return [
        {
            "name": name,
            "counts": [r.counts[risk] for risk in COUNT_COLUMNS],
            "total": r.total,
            "score": r.score,
        }
        for _, name, r in parts
    ]


def summary_context(workload, result: scoring.WorkloadResult) -> dict:
    """What the summary template needs; the milestone page reuses it with a frozen result."""
    pillar_names = {p.ref: p.name for p in result.pillars}
    grouped: list[tuple[str, list[scoring.QuestionResult]]] = []
    for question in result.questions:
        name = pillar_names.get(question.pillar_ref, question.pillar_ref)
        if not grouped or grouped[-1][0] != name:
            grouped.append((name, []))
        grouped[-1][1].append(question)
    return {
        "workload": workload,
        "result": result,
        "columns": [(risk, RISK_LABELS[risk]) for risk in COUNT_COLUMNS],
        "pillar_rows": [
            (p, [p.counts[risk] for risk in COUNT_COLUMNS], sum(p.counts.values()))
            for p in result.pillars
        ],
        "total_row": [result.counts[risk] for risk in COUNT_COLUMNS],
        "questions_by_pillar": grouped,
        "chart": charts.risk_counts_svg(result.counts, title=f"Questions by risk: {workload.name}"),
        "progress": round(100 * result.answered / result.total) if result.total else 0,
    }


@login_required
def workload_summary(request: AppRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    parts = loader.lens_parts(loader.review_for_workload(workload))
    result = scoring.combine_results(parts, workload.pillar_priorities or ())
    context = summary_context(workload, result)
    context["lens_rows"] = lens_rows(parts)
    context["question_ids"] = {f"{p}/{q}": pk for (p, q), pk in question_ids(workload).items()}
    context["tab"] = "summary"
    return render(request, "reviews/summary/summary.html", context)


@login_required
@access.require_methods("POST")
def pillar_priorities_view(request: AppRequest, workload_id: int) -> HttpResponse:
    """Move one pillar up or down the workload's priorities (buttons, no JavaScript needed)."""
    workload = access.get_workload_or_404(request.user, workload_id, access.EDIT)
    order = [ref for ref, _ in workload_pillars(workload)]
    ref = request.POST.get("up") or request.POST.get("down") or ""
    if ref in order:
        i = order.index(ref)
        j = i - 1 if request.POST.get("up") else i + 1
        if 0 <= j < len(order):
            order[i], order[j] = order[j], order[i]
        workload_set_pillar_priorities(workload=workload, pillar_refs=order)
        messages.success(request, "Pillar priorities saved: the plan follows them.")
    else:
        messages.error(request, "That pillar is not part of this review. Reload the page.")
    return redirect("reviews:workload_plan", workload_id=workload.pk)


@login_required
def workload_plan(request: AppRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    result = loader.result_for_workload(workload)
    risk = request.GET.get("risk", "")
    if risk not in PLAN_FILTERS:
        risk = ""
    items = [i for i in result.improvement_plan if not risk or i.risk == risk]
    pillar_names = {p.ref: p.name for p in result.pillars}
    counts = {r: sum(1 for i in result.improvement_plan if i.risk == r) for r in PLAN_FILTERS}
    return render(
        request,
        "reviews/summary/plan.html",
        {
            "workload": workload,
            "result": result,
            "items": items,
            "risk": risk,
            "filters": [(r, RISK_LABELS[r], counts[r]) for r in PLAN_FILTERS],
            "total": len(result.improvement_plan),
            "pillar_names": pillar_names,
            "question_ids": {f"{p}/{q}": pk for (p, q), pk in question_ids(workload).items()},
            "pillars": workload_pillars(workload),
            "can_edit": access.can(request.user, workload, access.EDIT, role=workload.user_role),
            "tab": "plan",
        },
    )
