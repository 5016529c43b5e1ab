"""Consolidated reports, the web side: request one over many workloads of a team, retry it.

Never renders: the row is written and its render queued through the outbox, like a workload
report (``reviews.services.reports``); the worker side is ``consolidated_worker``. The status
lifecycle is the same (queued -> rendering -> ready | failed -> retry -> queued).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from config.outbox import outbox_enqueue
from reviews.audit_actions import ReviewAction
from reviews.models import ConsolidatedReport, Team, Workload
from reviews.services.report_limits import ReportLimitReached
from reviews.services.reports import failed_requeue

__all__ = [
    "ReportLimitReached",
    "consolidated_queue",
    "consolidated_request",
    "consolidated_retry",
]

Status = ConsolidatedReport.Status

RENDER_TASK = "reviews.tasks.render_consolidated_report"


def consolidated_queue(*, report_id: int, countdown: float | None = None) -> None:
    """Queue the render of consolidated report ``report_id`` with the caller's transaction."""
    outbox_enqueue(task_name=RENDER_TASK, kwargs={"report_id": report_id}, countdown=countdown)


def _checked_ids(team: Team, workload_ids: Iterable[int]) -> list[int]:
    ids = sorted(set(workload_ids))
    if not ids:
        raise ValidationError("Choose at least one workload for the report.", code="no_workloads")
    limit = settings.CONSOLIDATED_MAX_WORKLOADS
    if len(ids) > limit:
        raise ValidationError(
            "A consolidated report covers at most %(limit)d workloads; %(n)d were chosen. "
            "Narrow the filters or tick fewer workloads.",
            code="too_many_workloads",
            params={"limit": limit, "n": len(ids)},
        )
    found = set(
        Workload.objects.active().filter(team=team, pk__in=ids).values_list("pk", flat=True)
    )
    if len(found) != len(ids):
        # Not saying which: an id of another team's workload must not reveal that it exists.
        raise ValidationError(
            "%(n)d of the chosen workloads are not active workloads of %(team)s (archived, "
            "removed or of another team). Reload the page and choose again.",
            code="unknown_workloads",
            params={"n": len(ids) - len(found), "team": team.name},
        )
    return ids


def _rate_check(team: Team) -> None:
    window = settings.REPORT_RATE_WINDOW
    recent = ConsolidatedReport.objects.filter(
        team=team, created_at__gt=timezone.now() - timedelta(seconds=window)
    ).count()
    if recent >= settings.CONSOLIDATED_RATE_PER_TEAM:
        raise ReportLimitReached(
            f"{team.name} has requested {recent} consolidated reports in the last "
            f"{window // 60} minutes, the most allowed. The reports already requested are "
            "listed below; try again later."
        )


def consolidated_request(
    *, team: Team, workload_ids: Iterable[int], selection: str, user, request=None
) -> ConsolidatedReport:
    """A consolidated report of ``workload_ids`` (active workloads of ``team``), queued on
    commit. While a report of the same workloads is still queued or rendering, that one is
    returned instead of a new one.

    Raises ``ValidationError`` (no workloads, too many, one that is not an active workload of
    the team) and ``ReportLimitReached`` (per-team rate); either way nothing is written.
    """
    with transaction.atomic():
        # The team's requests take turns, as for workload reports (pending check and rate).
        Team.objects.select_for_update().filter(pk=team.pk).values_list("pk").first()
        ids = _checked_ids(team, workload_ids)
        pending = ConsolidatedReport.objects.filter(
            team=team, workload_ids=ids, status__in=(Status.QUEUED, Status.RENDERING)
        ).first()
        if pending is not None:
            return pending
        _rate_check(team)
        report = ConsolidatedReport.objects.create(
            team=team, requested_by=user, workload_ids=ids, selection=selection[:500]
        )
        consolidated_queue(report_id=report.pk)
        audit_record(
            action=ReviewAction.CONSOLIDATED_REQUESTED,
            actor=user,
            request=request,
            target=report,
            team=team.pk,
            data={"workloads": len(ids), "selection": report.selection},
        )
    return report


def consolidated_retry(*, report: ConsolidatedReport, actor=None, request=None) -> bool:
    """Re-queue a failed consolidated report with a fresh set of attempts. False if it was
    not failed."""
    with transaction.atomic():
        updated = failed_requeue(ConsolidatedReport, report_id=report.pk)
        if updated:
            consolidated_queue(report_id=report.pk)
            audit_record(
                action=ReviewAction.CONSOLIDATED_RETRIED,
                actor=actor,
                request=request,
                target=report,
                team=report.team_id,
            )
    if updated:
        report.refresh_from_db(fields=["status", "attempts", "error", "queued_at", "finished_at"])
    return bool(updated)
