"""The ``data`` of each event: plain JSON built from the rows the caller already holds.

No query here: callers pass objects with what is needed already loaded.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse


def workload_data(workload) -> dict[str, Any]:
    return {
        "id": workload.pk,
        "name": workload.name,
        "team": {"id": workload.team_id},
        "path": reverse("reviews:workload_overview", args=[workload.pk]),
    }


def workload_risk_data(
    workload, *, before: dict[str, int], after: dict[str, int]
) -> dict[str, Any]:
    """``workload.risk_changed``: the workload's question counts by risk before and after."""
    from reviews import scoring

    return {
        "workload": workload_data(workload),
        "counts": {"before": before, "after": after},
        "score": {
            "before": scoring.score_from_counts(before),
            "after": scoring.score_from_counts(after),
        },
    }


def milestone_data(milestone, *, counts: dict[str, int], score: int | None) -> dict[str, Any]:
    return {
        "workload": workload_data(milestone.workload),
        "milestone": {
            "id": milestone.pk,
            "name": milestone.name,
            "created_at": milestone.created_at.isoformat(),
            "created_by": milestone.created_by.get_username() if milestone.created_by else None,
            "counts": counts,
            "score": score,
            "path": reverse("reviews:milestone_detail", args=[milestone.workload_id, milestone.pk]),
        },
    }


def report_data(report) -> dict[str, Any]:
    return {
        "workload": workload_data(report.workload),
        "report": {
            "id": report.pk,
            "milestone": report.milestone_id,
            "size": report.size,
            "sha256": report.checksum,
            "path": reverse("reviews:report_download", args=[report.workload_id, report.pk]),
        },
    }
