"""Retention of report files: old PDFs are removed, their rows kept and marked.

A ready report's file is removed once the report is older than ``REPORT_KEEP_DAYS`` days
*and* not among the ``REPORT_KEEP_LAST`` latest ready reports of its workload, so a workload
reviewed rarely still has its last reports, and a busy one does not fill the disk. The row
stays (status ``expired``, shown as "Removed"; size and checksum kept) for the history and for
the request rate, which counts rows. Consolidated reports follow the same rule per team
(``consolidated_expire``: their PDF, JSON and CSV go together).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from reviews.models import ConsolidatedReport, Report

logger = logging.getLogger(__name__)
BATCH = 500


def report_expire(*, now: datetime | None = None) -> int:
    """Remove the files of the reports the retention rule lets go; return how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REPORT_KEEP_DAYS)
    ranked = Report.objects.filter(status=Report.Status.READY).annotate(
        newest_first=Window(
            RowNumber(),
            partition_by=[F("workload_id")],
            order_by=[F("created_at").desc(), F("id").desc()],
        )
    )
    # Ranked over all the ready reports, then the age test: a date filter on ``ranked``
    # itself would run before the ranking and keep the last N *old* ones instead.
    beyond_last_n = ranked.filter(newest_first__gt=settings.REPORT_KEEP_LAST).values("pk")
    stale = list(
        Report.objects.filter(pk__in=beyond_last_n, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", "file")[:BATCH]
    )
    removed = 0
    for pk, name in stale:
        with transaction.atomic():
            # Fenced on the status: a report retried or re-rendered meanwhile is left alone.
            marked = Report.objects.filter(pk=pk, status=Report.Status.READY).update(
                status=Report.Status.EXPIRED, file=""
            )
        if not marked:
            continue
        removed += 1
        if name:
            try:
                default_storage.delete(name)
            except OSError:
                # The row already says removed; a file left behind is only disk space.
                logger.exception("report %s: could not remove %s", pk, name)
    if removed:
        logger.info("report retention: removed the files of %s report(s)", removed)
    return removed


def consolidated_expire(*, now: datetime | None = None) -> int:
    """The same rule for consolidated reports, their latest ``REPORT_KEEP_LAST`` counted per
    team: remove the three files of the ones it lets go; return how many reports."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.REPORT_KEEP_DAYS)
    ready = ConsolidatedReport.Status.READY
    ranked = ConsolidatedReport.objects.filter(status=ready).annotate(
        newest_first=Window(
            RowNumber(),
            partition_by=[F("team_id")],
            order_by=[F("created_at").desc(), F("id").desc()],
        )
    )
    beyond_last_n = ranked.filter(newest_first__gt=settings.REPORT_KEEP_LAST).values("pk")
    stale = list(
        ConsolidatedReport.objects.filter(pk__in=beyond_last_n, created_at__lt=cutoff)
        .order_by("pk")
        .values_list("pk", "pdf_file", "json_file", "csv_file")[:BATCH]
    )
    removed = 0
    for pk, *names in stale:
        with transaction.atomic():
            marked = ConsolidatedReport.objects.filter(pk=pk, status=ready).update(
                status=ConsolidatedReport.Status.EXPIRED, pdf_file="", json_file="", csv_file=""
            )
        if not marked:
            continue
        removed += 1
        for name in filter(None, names):
            try:
                default_storage.delete(name)
            except OSError:
                logger.exception("consolidated report %s: could not remove %s", pk, name)
    if removed:
        logger.info("report retention: removed the files of %s consolidated report(s)", removed)
    return removed
