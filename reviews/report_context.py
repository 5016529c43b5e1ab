"""What a PDF review report shows: a workload (or milestone) -> the print template's context.

Plain reads, no WeasyPrint: ``build_context`` runs a fixed number of queries and
``reviews.pdf.render_pdf`` turns its result into bytes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone

from questions.models import Choice, LensVersion, Question
from reviews import charts, loader, scoring, selectors
from reviews.answer_state import EMPTY, AnswerState
from reviews.labels import PRACTICE_STATUS_LABELS, RISK_LABELS
from reviews.models import Milestone, NotApplicableReason, Workload
from reviews.vocab import Risk

# The executive summary names the first few items of the improvement plan.
PRIORITIES_SHOWN = 5


def _reason_label(reason: str) -> str:
    if not reason:
        return ""
    try:
        return NotApplicableReason(reason).label
    except ValueError:
        return reason


def _versions(workload: Workload, milestone: Milestone | None) -> list[LensVersion]:
    """The lens versions the report covers: the milestone's frozen ones, or the active ones."""
    if milestone is not None:
        return [f.lens_version for f in loader.frozen_lenses(milestone)]
    return [r.lens_version for r in selectors.active_lens_reviews(workload)]


def _answers_for(workload: Workload, milestone: Milestone | None) -> dict[str, AnswerState]:
    """Answers keyed like a combined result's questions: ``<lens key>:`` +
    ``scoring.answer_key``."""
    if milestone is not None:
        # A milestone snapshot keeps its answers as JSON keyed like the scoring input.
        return {
            f"{loader.lens_key(f.lens_version.lens_id)}:{key}": AnswerState.from_json(value)
            for f in loader.frozen_lenses(milestone)
            for key, value in (f.answers or {}).items()
        }
    rows = (
        selectors.current_answers()
        .filter(lens_review__workload=workload, lens_review__removed_at__isnull=True)
        .values_list(
            "lens_review__lens_id",
            "question__pillar__ref",
            "question__ref",
            "selected",
            "is_applicable",
            "reason",
            "notes",
            "choices_not_applicable",
        )
    )
    answers = {}
    for lens_id, pillar_ref, ref, selected, applicable, reason, notes, na in rows:
        key = f"{loader.lens_key(lens_id)}:{scoring.answer_key(pillar_ref, ref)}"
        answers[key] = AnswerState.from_values(
            selected=selected,
            is_applicable=applicable,
            reason=reason,
            notes=notes,
            not_applicable=na,
        )
    return answers


def _result_for(workload: Workload, milestone: Milestone | None) -> scoring.WorkloadResult:
    if milestone is not None:
        return loader.result_for_milestone(milestone)
    return loader.result_for_workload(workload)


def _lens_rows(result: scoring.WorkloadResult, versions: list[LensVersion]) -> list[dict[str, Any]]:
    """Each lens's counts in the chart's order and its score, from the combined result (its
    pillar ids start with the lens key), then a total row: no query and no scoring."""
    rows = []
    for version in versions:
        prefix = f"{loader.lens_key(version.lens_id)}:"
        counts = scoring.sum_counts(p.counts for p in result.pillars if p.ref.startswith(prefix))
        rows.append(
            {
                "name": version.name,
                "version": version.number,
                "counts": [counts[risk] for risk in charts.ORDER],
                "score": scoring.score_from_counts(counts),
            }
        )
    rows.append(
        {
            "name": "Total",
            "version": None,
            "counts": [result.counts.get(risk, 0) for risk in charts.ORDER],
            "score": result.score,
            "total": True,
        }
    )
    return rows


def _risk_chart(counts: dict[str, int]) -> str:
    # The summary page's chart, so the report and the page show the same picture; without its
    # numbers, which the summary's sentence gives (each number is said once).
    return charts.risk_counts_svg(counts, chart_id="report-risk-chart", show_values=False)


def _properties(
    workload: Workload, versions: list[LensVersion], milestone: Milestone | None
) -> list[dict[str, str]]:
    """The cover's facts, in the order of the workload's form; empty ones are left out."""
    accounts = list(workload.account_ids or [])
    shown = ", ".join(accounts[:12]) + (
        f" and {len(accounts) - 12} more" if len(accounts) > 12 else ""
    )
    rows = [
        ("Team", workload.team.name),
        ("Environment", workload.get_environment_display()),
        ("Regions", ", ".join(workload.regions or [])),
        ("AWS accounts", shown),
        ("Industry", workload.industry),
        ("Workload owner", workload.owner),
        ("Review owner", workload.review_owner),
        (
            "Lenses" if len(versions) > 1 else "Lens",
            "; ".join(
                f"{version.name}, version {version.number}"
                + (f" ({version.label})" if version.label else "")
                for version in versions
            ),
        ),
    ]
    if milestone is not None:
        taker = milestone.created_by.get_username() if milestone.created_by else "a deleted user"
        rows.append(
            (
                "Milestone",
                f"“{milestone.name}”, taken {timezone.localtime(milestone.created_at):%-d %B %Y} "
                f"by {taker}",
            )
        )
    else:
        rows.append(("Reviewed state", "Current answers"))
    return [{"label": label, "value": value} for label, value in rows if value]


def _previous_milestone(workload: Workload, milestone: Milestone | None) -> Milestone | None:
    earlier = Milestone.objects.filter(workload=workload)
    if milestone is not None:
        earlier = earlier.filter(created_at__lt=milestone.created_at)
    return earlier.order_by("-created_at", "-pk").first()


def _delta(previous: Milestone | None, result: scoring.WorkloadResult) -> dict[str, Any] | None:
    """What changed since ``previous``: counts per risk level and the questions whose
    practices changed, computed as the milestone comparison page does."""
    if previous is None:
        return None
    before = loader.result_for_milestone(previous)
    changes = scoring.compare_results(before, result)
    return {
        "milestone": previous,
        "counts": [
            {
                "risk": risk,
                "label": RISK_LABELS[risk],
                "before": before.counts.get(risk, 0),
                "after": result.counts.get(risk, 0),
                "change": result.counts.get(risk, 0) - before.counts.get(risk, 0),
            }
            for risk in charts.ORDER
        ],
        "changes": [
            {
                "title": c.title,
                "risk_before": RISK_LABELS.get(c.risk_before or "", "—"),
                "risk_after": RISK_LABELS.get(c.risk_after or "", "—"),
                "direction": c.direction,
                "newly_followed": c.newly_followed,
                "no_longer_followed": c.no_longer_followed,
            }
            for c in changes
        ],
    }


def build_context(
    workload: Workload, *, milestone: Milestone | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the print template shows, in a fixed number of queries."""
    # Every lens of the workload (or of the milestone); the combined result's pillar ids are
    # prefixed with their lens (``loader.lens_key``), and so are the lookups below.
    versions = _versions(workload, milestone)
    version = versions[0]
    result = _result_for(workload, milestone)
    answers = _answers_for(workload, milestone)
    questions = {}
    for q in Question.objects.filter(pillar__version__in=versions).values(
        "pillar__version__lens_id",
        "pillar__ref",
        "pillar__name",
        "ref",
        "helpful_resource_text",
        "helpful_resource_url",
    ):
        q["pillar__ref"] = f"{loader.lens_key(q['pillar__version__lens_id'])}:{q['pillar__ref']}"
        questions[(q["pillar__ref"], q["ref"])] = q
    practice_links: dict[tuple[str, str, str], str] = {}
    none_choices: dict[tuple[str, str], set[str]] = {}
    for c in Choice.objects.filter(question__pillar__version__in=versions).values(
        "question__pillar__version__lens_id",
        "question__pillar__ref",
        "question__ref",
        "ref",
        "helpful_resource_url",
        "is_none",
    ):
        lens = loader.lens_key(c["question__pillar__version__lens_id"])
        where = (f"{lens}:{c['question__pillar__ref']}", c["question__ref"])
        practice_links[(*where, c["ref"])] = c["helpful_resource_url"]
        if c["is_none"]:
            none_choices.setdefault(where, set()).add(c["ref"])

    sections = []
    unanswered = []
    guidance: list[dict[str, str]] = []
    seen_links: set[str] = set()

    def add_link(title: str, url: str) -> None:
        if url and url not in seen_links:
            seen_links.add(url)
            guidance.append({"title": title, "url": url})

    for number, question in enumerate(result.questions, start=1):
        key = scoring.answer_key(question.pillar_ref, question.ref)
        answer = answers.get(key, EMPTY)
        info = questions.get((question.pillar_ref, question.ref), {})
        if question.risk == Risk.UNANSWERED:
            # Listed compactly: a 42-question lens with one answer is not 16 pages of rows.
            unanswered.append(
                {
                    "number": number,
                    "title": question.title,
                    "pillar": info.get("pillar__name", question.pillar_ref),
                }
            )
            continue
        none_refs = none_choices.get((question.pillar_ref, question.ref), set())
        practices = []
        for practice in question.practices:
            na = answer.marked(practice.ref)
            practices.append(
                {
                    "title": practice.title,
                    "status": practice.status,
                    "status_label": PRACTICE_STATUS_LABELS[practice.status],
                    "risk": practice.risk,
                    "risk_label": RISK_LABELS.get(practice.risk, "") if practice.risk else "",
                    "na_reason": _reason_label(na.reason) if na else "",
                    "na_note": na.note if na else "",
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
                "risk_label": RISK_LABELS[question.risk],
                "practices": practices,
                "not_applicable_reason": _reason_label(answer.reason)
                if question.risk == Risk.NOT_APPLICABLE
                else "",
                "none_of_these": bool(none_refs & set(answer.selected)),
                "notes": answer.notes,
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
                "risk_label": RISK_LABELS[item.risk],
                "text": item.improvement_text,
                "url": item.improvement_url,
            }
        )
        add_link(f"How to improve: {item.practice_title}", item.improvement_url)

    counts = dict(result.counts)
    generated = timezone.localtime(now or timezone.now())
    pillar_names = {q["pillar__ref"]: q["pillar__name"] for q in questions.values()}
    return {
        "workload": workload,
        "team": workload.team,
        "organisation": settings.ARCHREVIEW_ORG_NAME,
        "logo_url": "archreview-logo:" if settings.ARCHREVIEW_ORG_LOGO else "",
        "properties": _properties(workload, versions, milestone),
        "design_url": workload.architectural_design,
        "pillar_rows": [
            {
                "name": pillar_names.get(pillar.ref, pillar.name),
                "counts": [pillar.counts.get(risk, 0) for risk in charts.ORDER],
                "score": pillar.score,
            }
            for pillar in result.pillars
        ],
        "pillar_columns": [RISK_LABELS[risk] for risk in charts.ORDER],
        "lens_rows": _lens_rows(result, versions),
        "delta": _delta(_previous_milestone(workload, milestone), result),
        "unanswered": unanswered,
        "lens_name": ", ".join(v.name for v in versions),
        "lens_version": version,
        "lens_versions": versions,
        "milestone": milestone,
        "generated_at": generated,
        "as_of": milestone.created_at if milestone else generated,
        "result": result,
        "counts": counts,
        "count_rows": [
            {"risk": risk, "label": RISK_LABELS[risk], "count": counts.get(risk, 0)}
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
