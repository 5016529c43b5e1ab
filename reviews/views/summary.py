"""A workload's summary (risk counts per pillar, score, chart) and its improvement plan."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from questions.models import Question
from reviews import access, charts, loader, scoring

PLAN_FILTERS = (scoring.HIGH, scoring.MEDIUM, scoring.LOW)
# The same order as the chart, so the table and the picture read alike.
COUNT_COLUMNS = charts.ORDER


def question_ids(workload) -> dict[tuple[str, str], int]:
    """(pillar id, question id) -> Question pk of the workload's lens version, in one query."""
    rows = Question.objects.filter(pillar__version_id=workload.lens_version_id).values_list(
        "pillar__ref", "ref", "pk"
    )
    return {(pillar_ref, ref): pk for pillar_ref, ref, pk in rows}


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
        "columns": [(risk, scoring.RISK_LABELS[risk]) for risk in COUNT_COLUMNS],
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
def workload_summary(request: HttpRequest, workload_id: int) -> HttpResponse:
    workload = access.get_workload_or_404(request.user, workload_id, access.VIEW)
    result = loader.result_for_workload(workload)
    context = summary_context(workload, result)
    context["question_ids"] = {f"{p}/{q}": pk for (p, q), pk in question_ids(workload).items()}
    context["tab"] = "summary"
    return render(request, "reviews/summary/summary.html", context)


@login_required
def workload_plan(request: HttpRequest, workload_id: int) -> HttpResponse:
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
            "filters": [(r, scoring.RISK_LABELS[r], counts[r]) for r in PLAN_FILTERS],
            "total": len(result.improvement_plan),
            "pillar_names": pillar_names,
            "question_ids": {f"{p}/{q}": pk for (p, q), pk in question_ids(workload).items()},
            "tab": "plan",
        },
    )
