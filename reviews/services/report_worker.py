"""PDF reports, the worker side: claim, render, complete, fail, release and sweep.

Runs in Celery workers only (it imports WeasyPrint through ``reviews.pdf``). Every state change
is a conditional UPDATE on the current status, so two workers (a redelivered message, a
re-queue by the sweep) can never both render the same attempt, and a message for a report that
is already ready does nothing. The state diagram is in ``reviews.services.reports``.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

# Imported here, not inside the task: loading WeasyPrint takes a second or more, which a worker
# should pay once at start-up rather than inside a task's time limit.
from reviews import pdf as report_pdf
from reviews.models import Milestone, Report
from reviews.report_context import build_context
from reviews.services.reports import report_queue
from webhooks import payloads
from webhooks.events import EventType
from webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

Status = Report.Status

# User-facing reasons: short, in plain words, never a stack trace.
ERROR_TIMEOUT = "The report took too long to render and was stopped. Try again."
ERROR_INTERNAL = (
    "The report could not be rendered because of an internal error. Try again; if it fails "
    "again, tell your administrator."
)
ERROR_UNAVAILABLE = (
    "The report could not be rendered because a service was unavailable after several tries. "
    "Try again in a few minutes."
)
ERROR_ABANDONED = (
    "The report could not be finished: the worker rendering it stopped {attempts} times. "
    "Try again; if it keeps failing, tell your administrator."
)
ERROR_MISSING_MILESTONE = "The milestone this report was for no longer exists."


# --- Working on a report ----------------------------------------------------------------------
def report_claim(*, report_id: int) -> Report | None:
    """Take a queued report for rendering; ``None`` if someone else has it or it is done.

    The conditional UPDATE is the lock: of several workers holding a message for the same
    report, exactly one moves it from queued to rendering.
    """
    claimed = Report.objects.filter(pk=report_id, status=Status.QUEUED).update(
        status=Status.RENDERING,
        attempts=F("attempts") + 1,
        started_at=timezone.now(),
        finished_at=None,
        error="",
    )
    if not claimed:
        return None
    return Report.objects.select_related("workload__team", "workload__lens_version").get(
        pk=report_id
    )


def _mine(report: Report) -> Q:
    # The attempt number fences a render that the sweep gave up on and re-queued: its late
    # result must not overwrite the newer attempt's state.
    return Q(pk=report.pk, status=Status.RENDERING, attempts=report.attempts)


def report_complete(*, report: Report, pdf: bytes) -> bool:
    """Store the PDF (overwriting an earlier one) and mark the report ready."""
    name = f"reports/{report.workload_id}/report-{report.pk}.pdf"
    # Regenerate and overwrite: a second run must not pile up report-N_abc123.pdf copies.
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, ContentFile(pdf))
    checksum = hashlib.sha256(pdf).hexdigest()
    with transaction.atomic():
        updated = Report.objects.filter(_mine(report)).update(
            status=Status.READY,
            file=stored,
            size=len(pdf),
            checksum=checksum,
            finished_at=timezone.now(),
            error="",
        )
        if updated:
            report.size, report.checksum = len(pdf), checksum
            webhook_event_emit(
                event=EventType.REPORT_READY,
                team_id=report.workload.team_id,
                data=payloads.report_data(report),
            )
    return bool(updated)


def report_fail(*, report_id: int, error: str, attempts: int | None = None) -> bool:
    """Mark the report failed with a user-facing ``error`` (a retry is then offered)."""
    rows = Report.objects.filter(pk=report_id, status__in=[Status.QUEUED, Status.RENDERING])
    if attempts is not None:
        rows = rows.filter(attempts=attempts)
    return bool(rows.update(status=Status.FAILED, error=error[:500], finished_at=timezone.now()))


def report_release(*, report: Report) -> bool:
    """Hand a claimed report back to the queue (a transient error; the task retries it)."""
    return bool(
        Report.objects.filter(_mine(report)).update(
            status=Status.QUEUED, queued_at=timezone.now(), started_at=None
        )
    )


class TransientError(Exception):
    """Raised by ``report_render`` after releasing the report: the task should retry."""


# Errors worth retrying: the database or the storage hiccuped, not our data or our code.
def _transient_errors() -> tuple[type[BaseException], ...]:
    from django.db import InterfaceError, OperationalError

    return (OperationalError, InterfaceError, OSError)


def report_render(*, report_id: int, final_attempt: bool = True) -> Report | None:
    """Claim, render, store, mark ready. Harmless to run twice; returns the report it rendered.

    A transient error releases the report and raises ``TransientError`` unless this is the
    ``final_attempt``, in which case the report fails with a message a user understands.
    """
    report = report_claim(report_id=report_id)
    if report is None:
        return None
    try:
        if report.milestone_id is not None:
            milestone = Milestone.objects.filter(pk=report.milestone_id).first()
            if milestone is None:
                report_fail(report_id=report.pk, error=ERROR_MISSING_MILESTONE)
                return None
        else:
            milestone = None
        pdf = report_pdf.render_pdf(build_context(report.workload, milestone=milestone))
        report_complete(report=report, pdf=pdf)
    except SoftTimeLimitExceeded:
        report_fail(report_id=report.pk, error=ERROR_TIMEOUT, attempts=report.attempts)
        return None
    except _transient_errors() as exc:
        if final_attempt:
            logger.exception("Report %s failed after its last retry", report.pk)
            report_fail(report_id=report.pk, error=ERROR_UNAVAILABLE, attempts=report.attempts)
            return None
        logger.warning("Report %s hit a transient error, retrying: %s", report.pk, exc)
        report_release(report=report)
        raise TransientError(str(exc)) from exc
    except Exception:
        logger.exception("Report %s could not be rendered", report.pk)
        report_fail(report_id=report.pk, error=ERROR_INTERNAL, attempts=report.attempts)
        return None
    report.refresh_from_db()
    return report


# --- Sweep ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepResult:
    requeued: list[int]
    failed: list[int]


def report_sweep(*, now: datetime | None = None) -> SweepResult:
    """Re-queue reports left rendering (dead worker) or queued (lost message) too long.

    A report that was already claimed ``REPORT_MAX_ATTEMPTS`` times is failed instead, with a
    retry offered, so nothing stays pending forever. Runs from celery beat every
    ``REPORT_SWEEP_INTERVAL`` seconds and is a plain function for tests.
    """
    now = now or timezone.now()
    stale_rendering = Q(
        status=Status.RENDERING,
        started_at__lt=now - timedelta(seconds=settings.REPORT_STALE_AFTER),
    )
    stale_queued = Q(
        status=Status.QUEUED,
        queued_at__lt=now - timedelta(seconds=settings.REPORT_QUEUE_TIMEOUT),
    )
    requeued: list[int] = []
    failed: list[int] = []
    with transaction.atomic():
        stale = (
            Report.objects.filter(stale_rendering | stale_queued)
            .select_for_update(skip_locked=True)
            .only("pk", "status", "attempts")
        )
        for report in stale:
            if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
                error = ERROR_ABANDONED.format(attempts=report.attempts)
                if report_fail(report_id=report.pk, error=error, attempts=report.attempts):
                    failed.append(report.pk)
                continue
            updated = Report.objects.filter(
                pk=report.pk, status=report.status, attempts=report.attempts
            ).update(status=Status.QUEUED, queued_at=now, started_at=None)
            if updated:
                requeued.append(report.pk)
                report_queue(report_id=report.pk)
    if requeued or failed:
        logger.warning("Report sweep: re-queued %s, failed %s", requeued, failed)
    return SweepResult(requeued=requeued, failed=failed)
