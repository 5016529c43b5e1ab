"""PDF reports, the worker side: claim, render, complete, fail, release and sweep.

Runs in Celery workers only (it imports WeasyPrint through ``reviews.pdf``). Every state change
is a conditional UPDATE on the current status, so two workers (a redelivered message, a
re-queue by the sweep) can never both render the same attempt, and a message for a report that
is already ready does nothing. The state diagram is in ``reviews.services.reports``.

A claim is a lease: the row records the worker process (``lease_owner``) and an expiry, which a
heartbeat thread renews while the render runs. A worker that dies (kill -9, OOM, a lost
machine) stops renewing; once the lease has expired a redelivered message or the sweep takes
the report over, so recovery takes about ``REPORT_LEASE`` seconds, not a fixed sweep timeout.
Lease times are the database's clock (``Now()``), so workers' clocks need not agree.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Now
from django.utils import timezone

# Imported here, not inside the task: loading WeasyPrint takes a second or more, which a worker
# should pay once at start-up rather than inside a task's time limit.
from reviews import pdf as report_pdf
from reviews.models import ConsolidatedReport, Milestone, Report
from reviews.report_context import build_context
from reviews.services.reports import report_queue
from webhooks import payloads
from webhooks.events import EventType
from webhooks.services import webhook_event_emit

logger = logging.getLogger(__name__)

# What shares this lifecycle: workload reports and consolidated reports (same status, lease
# and attempt columns), and how each queues its render.
Job = Report | ConsolidatedReport
JobModel = type[Report] | type[ConsolidatedReport]
Queue = Callable[..., None]

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
def worker_identity() -> str:
    """Who holds a lease: this host and process (a pool child has its own pid)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _lease_expiry():
    return Now() + timedelta(seconds=settings.REPORT_LEASE)


def _claimable() -> Q:
    # Queued, or left rendering by a worker whose lease ran out (it died or lost the database)
    # while attempts remain; the sweep fails the ones that have none left.
    return Q(status=Status.QUEUED) | Q(
        status=Status.RENDERING,
        lease_expires_at__lt=Now(),
        attempts__lt=settings.REPORT_MAX_ATTEMPTS,
    )


def report_claim(*, report_id: int, owner: str | None = None) -> Report | None:
    """Take a report for rendering; ``None`` if someone else holds it or it is done.

    The conditional UPDATE is the lock: of several workers holding a message for the same
    report, exactly one moves it to rendering (or takes over an expired lease).
    """
    if not job_claim(Report, report_id=report_id, owner=owner):
        return None
    return Report.objects.select_related("workload__team").get(pk=report_id)


def job_claim(model: JobModel, *, report_id: int, owner: str | None = None) -> bool:
    """The claim's conditional UPDATE, for either kind of report: True if this attempt now
    holds the lease."""
    return bool(
        model.objects.filter(_claimable(), pk=report_id).update(
            status=Status.RENDERING,
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
            lease_owner=(owner or worker_identity())[:255],
            lease_expires_at=_lease_expiry(),
            finished_at=None,
            error="",
        )
    )


def _mine(report: Job) -> Q:
    # The attempt number fences a render whose lease was taken over: its late result must not
    # overwrite the newer attempt's state.
    return Q(pk=report.pk, status=Status.RENDERING, attempts=report.attempts)


def report_renew_lease(*, report: Job) -> bool:
    """Push the lease's expiry forward; False once the report is no longer this attempt's."""
    return bool(
        type(report)._default_manager.filter(_mine(report)).update(lease_expires_at=_lease_expiry())
    )


@contextmanager
def lease_heartbeat(report: Job) -> Iterator[None]:
    """Renew ``report``'s lease every ``REPORT_HEARTBEAT_INTERVAL`` s while the block runs.

    A thread with its own database connection: the render holds the main one (and the GIL,
    mostly, but Python switches threads every few milliseconds). A failed renewal is logged and
    tried again; if the database stays away the lease expires and the report is taken over.
    """
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(settings.REPORT_HEARTBEAT_INTERVAL):
                try:
                    if not report_renew_lease(report=report):
                        return  # taken over or finished: nothing left to hold
                except Exception as exc:  # the database is away; the lease may lapse
                    logger.warning("Report %s: lease not renewed: %s", report.pk, exc)
                    connection.close()
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"report-{report.pk}-lease", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


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
            lease_expires_at=None,
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


def report_fail(
    *, report_id: int, error: str, attempts: int | None = None, model: JobModel = Report
) -> bool:
    """Mark the report failed with a user-facing ``error`` (a retry is then offered)."""
    rows = model._default_manager.filter(pk=report_id, status__in=[Status.QUEUED, Status.RENDERING])
    if attempts is not None:
        rows = rows.filter(attempts=attempts)
    return bool(
        rows.update(
            status=Status.FAILED,
            error=error[:500],
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
    )


def retry_delay(attempts: int) -> float:
    """Backoff before the next attempt: about 1, 2, 4... s (jittered), at most the maximum."""
    ceiling = min(settings.REPORT_RETRY_BACKOFF_MAX, 2 ** max(attempts - 1, 0))
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def report_release(*, report: Job, queue: Queue = report_queue) -> bool:
    """Hand a claimed report back to the queue after a transient error and queue its next
    attempt after a backoff, in one transaction (the message goes through the outbox)."""
    with transaction.atomic():
        released = (
            type(report)
            ._default_manager.filter(_mine(report))
            .update(
                status=Status.QUEUED,
                queued_at=timezone.now(),
                started_at=None,
                lease_owner="",
                lease_expires_at=None,
            )
        )
        if released:
            queue(report_id=report.pk, countdown=retry_delay(report.attempts))
    return bool(released)


# Errors worth retrying: the database or the storage hiccuped, not our data or our code.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, OSError)
# A database error leaves this process's connection broken: the follow-up write (release or
# fail) opens a new one, trying a few times over a few seconds before leaving it to the lease.
FRESH_CONNECTION_TRIES = 3


def _on_fresh_connection(write: Callable[[], bool], what: str) -> bool:
    for attempt in range(FRESH_CONNECTION_TRIES):
        if not connection.in_atomic_block:
            # A connection that saw an error and fails a ping is dropped; Django opens a new
            # one on the next query. (A storage error leaves a good connection alone.)
            connection.close_if_unusable_or_obsolete()
        try:
            return write()
        except (OperationalError, InterfaceError) as exc:
            logger.warning("%s failed (try %s): %s", what, attempt + 1, exc)
            time.sleep(attempt + 1)
    logger.error("%s: the database is away; the lease will expire and the sweep retries", what)
    return False


def report_render(*, report_id: int, owner: str | None = None) -> Report | None:
    """Claim, render, store, mark ready. Harmless to run twice; returns the report it rendered.

    A transient error releases the report and queues the next attempt with a backoff, unless
    this was attempt ``REPORT_MAX_ATTEMPTS``: then the report fails with a message a user
    understands. Database errors while claiming propagate (the task retries the message).
    """
    report = report_claim(report_id=report_id, owner=owner)
    if report is None:
        return None
    try:
        with lease_heartbeat(report):
            if report.milestone_id is not None:
                milestone = Milestone.objects.filter(pk=report.milestone_id).first()
                if milestone is None:
                    report_fail(report_id=report.pk, error=ERROR_MISSING_MILESTONE)
                    return None
            else:
                milestone = None
            pdf = report_pdf.render_pdf(build_context(report.workload, milestone=milestone))
            stored = report_complete(report=report, pdf=pdf)
    except SoftTimeLimitExceeded:
        report_fail(report_id=report.pk, error=ERROR_TIMEOUT, attempts=report.attempts)
        return None
    except TRANSIENT_ERRORS as exc:
        if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
            logger.exception("Report %s failed on its last attempt", report.pk)
            _on_fresh_connection(
                lambda: report_fail(
                    report_id=report.pk, error=ERROR_UNAVAILABLE, attempts=report.attempts
                ),
                f"Failing report {report.pk}",
            )
            return None
        logger.warning(
            "Report %s hit a transient error on attempt %s, released for a retry: %s",
            report.pk,
            report.attempts,
            exc,
        )
        _on_fresh_connection(lambda: report_release(report=report), f"Releasing report {report.pk}")
        return None
    except Exception:
        logger.exception("Report %s could not be rendered", report.pk)
        report_fail(report_id=report.pk, error=ERROR_INTERNAL, attempts=report.attempts)
        return None
    if not stored:
        logger.warning("Report %s: attempt %s was taken over; result dropped", *_ids(report))
        return None
    report.refresh_from_db()
    return report


def _ids(report: Report) -> tuple[int, int]:
    return report.pk, report.attempts


# --- Sweep ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepResult:
    requeued: list[int]
    failed: list[int]


def report_sweep(
    *, now: datetime | None = None, model: JobModel = Report, queue: Queue = report_queue
) -> SweepResult:
    """Re-queue reports whose lease expired (dead worker) or left queued too long (lost message).

    A report that was already claimed ``REPORT_MAX_ATTEMPTS`` times is failed instead, with a
    retry offered, so nothing stays pending forever. Runs from celery beat every
    ``REPORT_SWEEP_INTERVAL`` seconds and is a plain function for tests. ``model`` and
    ``queue``: the same sweep for consolidated reports, which share the lifecycle.
    """
    now = now or timezone.now()
    expired_lease = Q(status=Status.RENDERING, lease_expires_at__lt=now) | Q(
        # Rows claimed before leases existed.
        status=Status.RENDERING,
        lease_expires_at__isnull=True,
        started_at__lt=now - timedelta(seconds=settings.REPORT_TIME_LIMIT),
    )
    stale_queued = Q(
        status=Status.QUEUED,
        queued_at__lt=now - timedelta(seconds=settings.REPORT_QUEUE_TIMEOUT),
    )
    requeued: list[int] = []
    failed: list[int] = []
    with transaction.atomic():
        stale = (
            model._default_manager.filter(expired_lease | stale_queued)
            .select_for_update(skip_locked=True)
            .only("pk", "status", "attempts")
        )
        for report in stale:
            if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
                error = ERROR_ABANDONED.format(attempts=report.attempts)
                if report_fail(
                    report_id=report.pk, error=error, attempts=report.attempts, model=model
                ):
                    failed.append(report.pk)
                continue
            updated = model._default_manager.filter(
                pk=report.pk, status=report.status, attempts=report.attempts
            ).update(
                status=Status.QUEUED,
                queued_at=now,
                started_at=None,
                lease_owner="",
                lease_expires_at=None,
            )
            if updated:
                requeued.append(report.pk)
                queue(report_id=report.pk)
    if requeued or failed:
        logger.warning("%s sweep: re-queued %s, failed %s", model.__name__, requeued, failed)
    return SweepResult(requeued=requeued, failed=failed)
