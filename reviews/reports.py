"""PDF review reports: a workload (or milestone) -> a context -> PDF bytes.

``build_context`` gathers everything the print template shows in a fixed number of queries;
``render_pdf`` turns a context into bytes with WeasyPrint and needs no broker, so the Celery
task, the ``render_report`` command and the benchmark all call the same two functions.

Safety: WeasyPrint fetches whatever an ``<img>``, ``<link>`` or CSS ``url()`` points at. User text
is autoescaped by the template, so notes never become elements; on top of that the URL fetcher
serves only our own static files (``archreview-static:<path>``, resolved by the staticfiles
finders) and refuses every other URL, so no template mistake can make a report read the
server's files or reach its network.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from questions.models import Choice, Question
from reviews import charts, loader, scoring
from reviews.models import Answer, Milestone, NotApplicableReason, Workload

STATIC_SCHEME = "archreview-static"
TEMPLATE = "reports/report.html"
STYLESHEET = "reports/report.css"
PDF_VARIANT = "pdf/ua-1"  # tagged PDF with the metadata screen readers need
# The executive summary names the first few items of the improvement plan.
PRIORITIES_SHOWN = 5

_PRACTICE_STATUS_LABELS = {
    scoring.FOLLOWED: "Followed",
    scoring.NOT_FOLLOWED: "Not followed",
    scoring.PRACTICE_NOT_APPLICABLE: "Not applicable",
    scoring.PRACTICE_UNANSWERED: "Not answered",
}


class ReportFetchRefused(ValueError):
    """A report tried to load something other than one of our static files."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serves ``archreview-static:<path>`` from the staticfiles finders; refuses anything else.

    http/https would let a report reach the network (SSRF), file: would read the server's
    files, and data: is refused too: our templates never need it (the chart is inline SVG, the
    stylesheet is passed in), and a one-scheme allowlist is easier to trust than a list of
    exceptions — a ``<link rel="attachment" href="data:...">`` slipping into a template would
    otherwise embed arbitrary content.
    """

    def __init__(self) -> None:
        # Refusals are logged and skipped, never fatal: a report still renders without the
        # refused resource.
        super().__init__(allowed_protocols=[STATIC_SCHEME], allow_redirects=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        prefix = f"{STATIC_SCHEME}:"
        if not url.startswith(prefix):
            raise ReportFetchRefused(f"Reports may only load our static files, not {url[:200]!r}")
        relative = url.removeprefix(prefix).lstrip("/").split("?", 1)[0].split("#", 1)[0]
        # finders.find refuses absolute paths and "..": it joins with safe_join.
        try:
            path = finders.find(relative) if relative else None
        except Exception as exc:  # SuspiciousFileOperation and friends
            raise ReportFetchRefused(f"Not a static file: {relative!r}") from exc
        if not path or isinstance(path, list):
            raise ReportFetchRefused(f"No such static file: {relative!r}")
        with open(path, "rb") as handle:
            body = handle.read()
        content_type = mimetypes.guess_type(relative)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body, {"Content-Type": content_type})


# --- Context ----------------------------------------------------------------------------------
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


# --- Rendering --------------------------------------------------------------------------------
@cache
def _stylesheet() -> CSS:
    # Parsed once per worker process: the stylesheet is ours and the same for every report.
    return CSS(
        string=render_to_string(STYLESHEET),
        base_url=f"{STATIC_SCHEME}:/",
        url_fetcher=StaticOnlyURLFetcher(),
    )


def render_html(context: dict[str, Any]) -> str:
    return render_to_string(TEMPLATE, context)


def render_pdf(context: dict[str, Any]) -> bytes:
    """The report as PDF bytes. Pure apart from reading templates and static files."""
    return html_to_pdf(render_html(context))


def html_to_pdf(html: str) -> bytes:
    """Print ``html`` with the report stylesheet; only our static files can be fetched."""
    document = HTML(string=html, base_url=f"{STATIC_SCHEME}:/", url_fetcher=StaticOnlyURLFetcher())
    return document.write_pdf(stylesheets=[_stylesheet()], pdf_variant=PDF_VARIANT)


def render_workload_pdf(workload: Workload, *, milestone: Milestone | None = None) -> bytes:
    return render_pdf(build_context(workload, milestone=milestone))
