"""Consolidated reports, the worker side: claim, render (PDF, JSON, CSV), complete, sweep.

The lifecycle is the workload reports' (``report_worker``): a conditional UPDATE claims the
row under a lease renewed by a heartbeat, the files are written outside any transaction and
recorded with an UPDATE fenced on the attempt, a transient error releases the row for a retry
with backoff, bad data or the time limit fail it with a plain reason, the sweep re-queues what
a dead worker or a lost message left. Only the work differs, so the lease, fail, release and
sweep functions are ``report_worker``'s, given this model and its queue.
"""

from __future__ import annotations

import json
import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from reviews import consolidated_data
from reviews import pdf as report_pdf
from reviews.models import ConsolidatedReport
from reviews.services.consolidated import consolidated_queue
from reviews.services.report_worker import (
    ERROR_INTERNAL,
    ERROR_TIMEOUT,
    ERROR_UNAVAILABLE,
    TRANSIENT_ERRORS,
    SweepResult,
    _mine,
    _on_fresh_connection,
    job_claim,
    lease_heartbeat,
    report_fail,
    report_release,
    report_sweep,
)

logger = logging.getLogger(__name__)

Status = ConsolidatedReport.Status


def consolidated_claim(*, report_id: int, owner: str | None = None) -> ConsolidatedReport | None:
    """Take a consolidated report for rendering; ``None`` if someone else holds it or it is
    done (the conditional UPDATE is the lock, as for workload reports)."""
    if not job_claim(ConsolidatedReport, report_id=report_id, owner=owner):
        return None
    return ConsolidatedReport.objects.select_related("team").get(pk=report_id)


def consolidated_files(report: ConsolidatedReport) -> dict[str, bytes]:
    """The three files of a report: the work of a render, callable without a broker."""
    data = consolidated_data.consolidated_data(
        team=report.team,
        workload_ids=report.workload_ids,
        report_id=report.pk,
        selection=report.selection,
    )
    context = consolidated_data.pdf_context(data, organisation=settings.ARCHREVIEW_ORG_NAME)
    return {
        "pdf": report_pdf.render_consolidated_pdf(context),
        "json": json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1).encode(),
        "csv": consolidated_data.to_csv(data),
    }


def _store(name: str, content: bytes) -> str:
    # Regenerate and overwrite: a second run must not pile up copies under new names.
    if default_storage.exists(name):
        default_storage.delete(name)
    return default_storage.save(name, ContentFile(content))


def consolidated_complete(*, report: ConsolidatedReport, files: dict[str, bytes]) -> bool:
    """Store the files (overwriting earlier ones) and mark the report ready."""
    base = f"consolidated/{report.team_id}/consolidated-{report.pk}"
    stored = {kind: _store(f"{base}.{kind}", content) for kind, content in files.items()}
    with transaction.atomic():
        updated = ConsolidatedReport.objects.filter(_mine(report)).update(
            status=Status.READY,
            pdf_file=stored["pdf"],
            json_file=stored["json"],
            csv_file=stored["csv"],
            size=len(files["pdf"]),
            finished_at=timezone.now(),
            lease_expires_at=None,
            error="",
        )
    return bool(updated)


def consolidated_render(*, report_id: int, owner: str | None = None) -> ConsolidatedReport | None:
    """Claim, render, store, mark ready; harmless to run twice. Errors are handled as for
    workload reports (``report_worker.report_render``)."""
    report = consolidated_claim(report_id=report_id, owner=owner)
    if report is None:
        return None
    try:
        with lease_heartbeat(report):
            stored = consolidated_complete(report=report, files=consolidated_files(report))
    except SoftTimeLimitExceeded:
        report_fail(
            report_id=report.pk, error=ERROR_TIMEOUT, attempts=report.attempts, model=type(report)
        )
        return None
    except TRANSIENT_ERRORS as exc:
        if report.attempts >= settings.REPORT_MAX_ATTEMPTS:
            logger.exception("Consolidated report %s failed on its last attempt", report.pk)
            _on_fresh_connection(
                lambda: report_fail(
                    report_id=report.pk,
                    error=ERROR_UNAVAILABLE,
                    attempts=report.attempts,
                    model=ConsolidatedReport,
                ),
                f"Failing consolidated report {report.pk}",
            )
            return None
        logger.warning(
            "Consolidated report %s hit a transient error on attempt %s, released for a retry: %s",
            report.pk,
            report.attempts,
            exc,
        )
        _on_fresh_connection(
            lambda: report_release(report=report, queue=consolidated_queue),
            f"Releasing consolidated report {report.pk}",
        )
        return None
    except Exception:
        logger.exception("Consolidated report %s could not be rendered", report.pk)
        report_fail(
            report_id=report.pk, error=ERROR_INTERNAL, attempts=report.attempts, model=type(report)
        )
        return None
    if not stored:
        logger.warning(
            "Consolidated report %s: attempt %s was taken over; result dropped",
            report.pk,
            report.attempts,
        )
        return None
    report.refresh_from_db()
    return report


def consolidated_sweep() -> SweepResult:
    """Re-queue consolidated reports whose lease expired or left queued too long (beat)."""
    return report_sweep(model=ConsolidatedReport, queue=consolidated_queue)
