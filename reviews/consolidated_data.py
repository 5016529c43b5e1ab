"""What a consolidated report says: many workloads of a team -> one data tree, and from it the
JSON, the CSV rows and the PDF's context.

Plain reads, no WeasyPrint (the worker renders the PDF with ``reviews.pdf``). Every figure comes
from the one scoring (``loader.results_for_lens_reviews`` -> ``scoring.score_workload``): the
lens counts equal the stored ones, the questions' risks and practices are the ones the
questionnaire shows. A fixed number of queries whatever the number of workloads: the team, the
workloads, their active lens reviews, the 6 of the scoring, the overdue items.

The tree follows the AWS consolidated report's JSON: workload -> lens -> pillar -> question,
each question with its risk and its best practices (followed, not followed with their own
risk, not applicable, unanswered).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from reviews import charts, loader, scoring
from reviews.exports import neutralise
from reviews.items_queries import open_q
from reviews.labels import RISK_LABELS
from reviews.models import ImprovementItem, LensReview, Team, Workload
from reviews.vocab import PracticeStatus, Risk

FORMAT = "archreview-consolidated-report"
FORMAT_VERSION = 1
TOP_RISKS = 15  # best practices most often at risk, listed in the PDF and the JSON
OVERDUE_SHOWN = 100  # overdue items listed in the PDF (the JSON has them all)

CSV_HEADER = (
    "workload_id",
    "workload",
    "environment",
    "lens_id",
    "lens",
    "lens_version",
    "pillar_id",
    "pillar",
    "question_id",
    "question",
    "risk",
    "practices_at_risk",
    "practice_ids_at_risk",
)


def _counts(counts) -> dict[str, int]:
    return {risk: int(counts.get(risk, 0)) for risk in Risk}


def _question(question: scoring.QuestionResult) -> dict[str, Any]:
    return {
        "id": question.ref,
        "title": question.title,
        "risk": question.risk,
        "best_practices": [
            {"id": p.ref, "title": p.title, "status": p.status, "risk": p.risk}
            for p in question.practices
        ],
    }


def _lens(review: LensReview, result: scoring.WorkloadResult) -> dict[str, Any]:
    by_pillar: dict[str, list[dict[str, Any]]] = {}
    for question in result.questions:
        by_pillar.setdefault(question.pillar_ref, []).append(_question(question))
    version = review.lens_version
    return {
        "lens_review_id": review.pk,
        "lens_id": review.lens_id,
        "lens": version.name,
        "lens_version": version.number,
        "counts": _counts(result.counts),
        "score": result.score,
        "pillars": [
            {
                "id": pillar.ref,
                "name": pillar.name,
                "counts": _counts(pillar.counts),
                "score": pillar.score,
                "questions": by_pillar.get(pillar.ref, []),
            }
            for pillar in result.pillars
        ],
    }


def _top_risks(workloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Best practices not followed, by the number of workloads where they are at risk."""
    seen: Counter[tuple[int, str, str, str]] = Counter()
    about: dict[tuple[int, str, str, str], dict[str, Any]] = {}
    for workload in workloads:
        for lens in workload["lenses"]:
            for pillar in lens["pillars"]:
                for question in pillar["questions"]:
                    for practice in question["best_practices"]:
                        if practice["status"] != PracticeStatus.NOT_FOLLOWED:
                            continue
                        key = (lens["lens_id"], pillar["id"], question["id"], practice["id"])
                        seen[key] += 1
                        entry = about.setdefault(
                            key,
                            {
                                "lens": lens["lens"],
                                "pillar_id": pillar["id"],
                                "pillar": pillar["name"],
                                "question_id": question["id"],
                                "question": question["title"],
                                "practice_id": practice["id"],
                                "practice": practice["title"],
                                # As the improvement plan reads a practice without a level.
                                "risk": practice["risk"] or Risk.HIGH,
                            },
                        )
                        # The highest level any workload gives it (imported lenses vary).
                        risk = practice["risk"] or Risk.HIGH
                        if scoring.severity(risk) > scoring.severity(entry["risk"]):
                            entry["risk"] = risk
    ranked = sorted(
        seen,
        key=lambda key: (-seen[key], -scoring.severity(about[key]["risk"]), about[key]["practice"]),
    )
    return [{**about[key], "workloads": seen[key]} for key in ranked[:TOP_RISKS]]


def _overdue_items(workload_ids: Sequence[int], today: date) -> list[dict[str, Any]]:
    items = (
        ImprovementItem.objects.filter(
            open_q(),
            workload_id__in=workload_ids,
            lens_review__removed_at__isnull=True,
            due_date__lt=today,
        )
        .select_related("owner")
        .annotate(workload_name=F("workload__name"), lens_name=F("lens_review__lens_version__name"))
        .order_by("due_date", "workload_id", "pk")
    )
    return [
        {
            "id": item.pk,
            "workload_id": item.workload_id,
            "workload": item.workload_name,
            "lens": item.lens_name,
            "question_id": item.question_ref,
            "practice_id": item.practice_ref,
            "practice": item.practice_title,
            "risk": item.risk,
            "owner": item.owner.get_username() if item.owner else "",
            "due_date": item.due_date.isoformat() if item.due_date else None,
            "days_overdue": (today - item.due_date).days if item.due_date else 0,
            "status": item.status,
        }
        for item in items
    ]


def consolidated_data(
    *,
    team: Team,
    workload_ids: Sequence[int],
    report_id: int | None = None,
    selection: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """The report's data as a JSON-ready tree (the JSON file is exactly this)."""
    generated = timezone.localtime(now or timezone.now())
    workloads = list(
        Workload.objects.filter(team=team, pk__in=list(workload_ids)).order_by(Lower("name"), "pk")
    )
    reviews = list(
        LensReview.objects.active()
        .filter(workload__in=[w.pk for w in workloads])
        .select_related("lens_version")
        .order_by("workload_id", "position", "pk")
    )
    results = loader.results_for_lens_reviews(reviews)
    by_workload: dict[int, list[LensReview]] = {}
    for review in reviews:
        by_workload.setdefault(review.workload_id, []).append(review)

    tree: list[dict[str, Any]] = []
    for workload in workloads:
        lenses = [_lens(r, results[r.pk]) for r in by_workload.get(workload.pk, [])]
        counts = scoring.sum_counts(lens["counts"] for lens in lenses)
        tree.append(
            {
                "id": workload.pk,
                "name": workload.name,
                "environment": workload.environment,
                "owner": workload.owner,
                "review_owner": workload.review_owner,
                "archived": workload.archived_at is not None,
                "updated_at": workload.updated_at.isoformat(),
                "counts": _counts(counts),
                "score": scoring.score_from_counts(counts),
                "lenses": lenses,
            }
        )
    totals = _counts(scoring.sum_counts(w["counts"] for w in tree))
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "report_id": report_id,
        "team": {"id": team.pk, "name": team.name},
        "generated_at": generated.isoformat(),
        "selection": selection,
        "summary": {
            "workloads": len(tree),
            "workloads_missing": len(set(workload_ids) - {w["id"] for w in tree}),
            "lens_reviews": len(reviews),
            "questions": sum(totals.values()),
            "counts": totals,
            "score": scoring.score_from_counts(totals),
            "workloads_with_high_risk": sum(1 for w in tree if w["counts"][Risk.HIGH]),
        },
        "workloads": tree,
        "top_risks": _top_risks(tree),
        "overdue_items": _overdue_items([w["id"] for w in tree], generated.date()),
    }


def csv_rows(data: dict[str, Any]) -> Iterator[tuple[Any, ...]]:
    """One row per question of each workload's lens, in the tree's order."""
    for workload in data["workloads"]:
        for lens in workload["lenses"]:
            for pillar in lens["pillars"]:
                for question in pillar["questions"]:
                    at_risk = [
                        p
                        for p in question["best_practices"]
                        if p["status"] == PracticeStatus.NOT_FOLLOWED
                    ]
                    yield (
                        workload["id"],
                        workload["name"],
                        workload["environment"],
                        lens["lens_id"],
                        lens["lens"],
                        lens["lens_version"],
                        pillar["id"],
                        pillar["name"],
                        question["id"],
                        question["title"],
                        question["risk"],
                        "; ".join(p["title"] for p in at_risk),
                        ";".join(p["id"] for p in at_risk),
                    )


def to_csv(data: dict[str, Any]) -> bytes:
    """The CSV file (UTF-8; formula-like cells neutralised as in every export)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for row in csv_rows(data):
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8")


def pdf_context(data: dict[str, Any], *, organisation: str = "") -> dict[str, Any]:
    """What the print template ``reports/consolidated.html`` shows, from the data tree."""
    summary = data["summary"]
    totals = summary["counts"]
    risk_order = charts.ORDER
    return {
        "data": data,
        "team": data["team"],
        "organisation": organisation,
        "generated_at": datetime.fromisoformat(data["generated_at"]),
        "summary": summary,
        "columns": [{"risk": risk, "label": RISK_LABELS[risk]} for risk in risk_order],
        "count_rows": [
            {"risk": risk, "label": RISK_LABELS[risk], "count": totals[risk]} for risk in risk_order
        ],
        "risk_chart": charts.risk_counts_svg(
            totals, chart_id="consolidated-risk-chart", show_values=False
        ),
        "workload_rows": [
            {
                "name": workload["name"],
                "environment": workload["environment"],
                "score": workload["score"],
                "lenses": [
                    {
                        "name": f"{lens['lens']} v{lens['lens_version']}",
                        "counts": [lens["counts"][risk] for risk in risk_order],
                        "score": lens["score"],
                    }
                    for lens in workload["lenses"]
                ],
            }
            for workload in data["workloads"]
        ],
        "top_risks": [
            {**risk, "risk_label": RISK_LABELS.get(risk["risk"] or "", "")}
            for risk in data["top_risks"]
        ],
        "overdue": [
            {**item, "risk_label": RISK_LABELS.get(item["risk"], item["risk"])}
            for item in data["overdue_items"][:OVERDUE_SHOWN]
        ],
        "overdue_more": max(0, len(data["overdue_items"]) - OVERDUE_SHOWN),
    }
