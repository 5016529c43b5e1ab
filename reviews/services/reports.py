"""PDF reports, the web side: request one, retry a failed one. Never renders.

The ``Report`` row is the truth about a report; a Celery message only says "look at report N".
This module writes rows and queues messages by task name, so a web process never imports the
worker side (``reviews.services.report_worker``, which loads WeasyPrint).

    queued --claim--> rendering --complete--> ready
      ^                  |  \\--fail (bad data, time limit, last retry)--> failed --retry--> queued
      |                  |
      +--release (transient error, retried with backoff) / sweep (worker died)
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from config.outbox import outbox_enqueue
from reviews.audit_actions import ReviewAction
from reviews.models import ConsolidatedReport, Milestone, Report, Team, Workload
from reviews.services.report_limits import ReportLimitReached, report_rate_check

__all__ = ["ReportLimitReached", "report_queue", "report_request", "report_retry"]

Status = Report.Status

RENDER_TASK = "reviews.tasks.render_report"


def report_queue(*, report_id: int, countdown: float | None = None) -> None:
    """Queue the render of ``report_id`` with the caller's transaction (outbox): it is sent
    once that commits, or later by the relay if the broker is down then."""
    outbox_enqueue(task_name=RENDER_TASK, kwargs={"report_id": report_id}, countdown=countdown)


# --- Requesting -------------------------------------------------------------------------------
def report_request(
    *, workload: Workload, milestone: Milestone | None = None, user, request=None
) -> Report:
    """A new report of the workload's current state (or of ``milestone``), queued on commit.

    While a report of the same workload and milestone is still queued or rendering, that one
    is returned instead of a new one. Raises ``ReportLimitReached`` past the per-user or
    per-team rate (``report_limits``).
    """
    if milestone is not None and milestone.workload_id != workload.pk:
        raise ValueError("The milestone belongs to another workload.")
    with transaction.atomic():
        # The team's requests take turns here, so two at once can neither both miss the
        # pending report nor both slip under the rate.
        Team.objects.select_for_update().filter(pk=workload.team_id).values_list("pk").first()
        pending = Report.objects.filter(
            workload=workload,
            milestone=milestone,
            status__in=(Status.QUEUED, Status.RENDERING),
        ).first()
        if pending is not None:
            return pending
        report_rate_check(user=user, team_id=workload.team_id)
        report = Report.objects.create(
            workload=workload,
            milestone=milestone,
            requested_by=user,
        )
        report_queue(report_id=report.pk)
        audit_record(
            action=ReviewAction.REPORT_REQUESTED,
            actor=user,
            request=request,
            target=report,
            team=workload.team_id,
            data={"workload": workload.pk, "milestone": milestone.pk if milestone else None},
        )
    return report


def report_retry(*, report: Report, actor=None, request=None) -> bool:
    """Re-queue a failed report with a fresh set of attempts. False if it was not failed."""
    with transaction.atomic():
        updated = failed_requeue(Report, report_id=report.pk)
        if updated:
            report_queue(report_id=report.pk)
            audit_record(
                action=ReviewAction.REPORT_RETRIED,
                actor=actor,
                request=request,
                target=report,
                team=report.workload.team_id,
            )
    if updated:
        report.refresh_from_db()
    return bool(updated)


def failed_requeue(model: type[Report] | type[ConsolidatedReport], *, report_id: int) -> bool:
    """Put a failed report of either kind back in the queue with a fresh set of attempts (the
    caller queues its task in the same transaction). False if it was not failed."""
    return bool(
        model.objects.filter(pk=report_id, status=Status.FAILED).update(
            status=Status.QUEUED,
            attempts=0,
            error="",
            queued_at=timezone.now(),
            started_at=None,
            finished_at=None,
        )
    )
