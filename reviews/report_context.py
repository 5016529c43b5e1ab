"""What a PDF review report shows: a workload (or milestone) -> the print template's context.

Plain reads, no WeasyPrint: ``build_context`` runs a fixed number of queries and
``reviews.pdf.render_pdf`` turns its result into bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from questions.models import Choice, Question
from reviews import charts, loader, scoring
from reviews.models import Answer, Milestone, NotApplicableReason, Workload

# The executive summary names the first few items of the improvement plan.
PRIORITIES_SHOWN = 5

_PRACTICE_STATUS_LABELS = {
    scoring.FOLLOWED: "Followed",
    scoring.NOT_FOLLOWED: "Not followed",
    scoring.PRACTICE_NOT_APPLICABLE: "Not applicable",
    scoring.PRACTICE_UNANSWERED: "Not answered",
}


def _reason_label(reason: str) -> str:
    if not reason:
        return ""
    try:
        return NotApplicableReason(reason).label
    except ValueError:
        return reason


def _answers_for(workload: Workload, milestone: Milestone | None) -> dict[str, dict[str, Any]]:
    """Notes and not-applicable reasons keyed by ``scoring.answer_key``."""
    if milestone is not None:
        # A milestone snapshot keeps its answers as JSON keyed like the scoring input.
        return {key: dict(value or {}) for key, value in (milestone.answers or {}).items()}
    # Only answers to this lens version's questions: after an upgrade, older answers stay
    # stored but are not part of the review.
    rows = Answer.objects.filter(
        workload=workload, question__pillar__version_id=workload.lens_version_id
    ).values("question__pillar__ref", "question__ref", "notes", "reason", "choices_not_applicable")
    return {
        scoring.answer_key(row["question__pillar__ref"], row["question__ref"]): row for row in rows
    }


def _result_for(workload: Workload, milestone: Milestone | None) -> scoring.WorkloadResult:
    if milestone is not None:
        return loader.result_for_milestone(milestone)
    return loader.result_for_workload(workload)


def _risk_chart(counts: dict[str, int]) -> str:
    # The summary page's chart, so the report and the page show the same picture.
    return charts.risk_counts_svg(counts, chart_id="report-risk-chart")


def build_context(
    workload: Workload, *, milestone: Milestone | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the print template shows, in a fixed number of queries."""
    version = milestone.lens_version if milestone else workload.lens_version
    result = _result_for(workload, milestone)
    answers = _answers_for(workload, milestone)
    questions = {
        (q["pillar__ref"], q["ref"]): q
        for q in Question.objects.filter(pillar__version=version).values(
            "pillar__ref", "pillar__name", "ref", "helpful_resource_text", "helpful_resource_url"
        )
    }
    practice_links = {
        (c["question__pillar__ref"], c["question__ref"], c["ref"]): c["helpful_resource_url"]
        for c in Choice.objects.filter(question__pillar__version=version).values(
            "question__pillar__ref", "question__ref", "ref", "helpful_resource_url"
        )
    }

    sections = []
    guidance: list[dict[str, str]] = []
    seen_links: set[str] = set()

    def add_link(title: str, url: str) -> None:
        if url and url not in seen_links:
            seen_links.add(url)
            guidance.append({"title": title, "url": url})

    for number, question in enumerate(result.questions, start=1):
        key = scoring.answer_key(question.pillar_ref, question.ref)
        answer = answers.get(key, {})
        practice_na = answer.get("choices_not_applicable") or {}
        info = questions.get((question.pillar_ref, question.ref), {})
        practices = []
        for practice in question.practices:
            na = practice_na.get(practice.ref) or {}
            practices.append(
                {
                    "title": practice.title,
                    "status": practice.status,
                    "status_label": _PRACTICE_STATUS_LABELS[practice.status],
                    "risk": practice.risk,
                    "risk_label": scoring.RISK_LABELS.get(practice.risk, "")
                    if practice.risk
                    else "",
                    "na_reason": _reason_label(na.get("reason", "")) if na else "",
                    "na_note": na.get("note", "") if na else "",
                }
            )
            add_link(
                practice.title,
                practice_links.get((question.pillar_ref, question.ref, practice.ref), ""),
            )
        add_link(question.title, info.get("helpful_resource_url", ""))
        sections.append(
            {
                "number": number,
                "anchor": f"q{number}",
                "title": question.title,
                "pillar": info.get("pillar__name", question.pillar_ref),
                "risk": question.risk,
                "risk_label": scoring.RISK_LABELS[question.risk],
                "practices": practices,
                "not_applicable_reason": _reason_label(answer.get("reason", ""))
                if question.risk == scoring.NOT_APPLICABLE
                else "",
                "notes": answer.get("notes", ""),
                "resource_text": info.get("helpful_resource_text", ""),
                "resource_url": info.get("helpful_resource_url", ""),
            }
        )

    plan = []
    for item in result.improvement_plan:
        plan.append(
            {
                "question_title": item.question_title,
                "practice_title": item.practice_title,
                "risk": item.risk,
                "risk_label": scoring.RISK_LABELS[item.risk],
                "text": item.improvement_text,
                "url": item.improvement_url,
            }
        )
        add_link(f"Improve: {item.practice_title}", item.improvement_url)

    counts = dict(result.counts)
    generated = timezone.localtime(now or timezone.now())
    return {
        "workload": workload,
        "team": workload.team,
        "lens_name": version.name,
        "lens_version": version,
        "milestone": milestone,
        "generated_at": generated,
        "as_of": milestone.created_at if milestone else generated,
        "result": result,
        "counts": counts,
        "count_rows": [
            {"risk": risk, "label": scoring.RISK_LABELS[risk], "count": counts.get(risk, 0)}
            # The chart's order, so the table beside it reads the same way.
            for risk in charts.ORDER
        ],
        "priorities": plan[:PRIORITIES_SHOWN],
        "score": result.score,
        "risk_chart": _risk_chart(counts),
        "sections": sections,
        "improvement_plan": plan,
        "guidance_links": guidance,
    }
