"""Celery tasks of the reviews app: thin wrappers that take ids and call the services.

Worker side only: the web queues these by name (``reviews.services.reports.RENDER_TASK``) and
never imports this module, which loads WeasyPrint.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from reviews.services import report_worker


@shared_task(
    bind=True,
    autoretry_for=(report_worker.TransientError,),
    retry_backoff=2,
    retry_backoff_max=60,
    retry_jitter=True,
    max_retries=settings.REPORT_MAX_RETRIES,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def render_report(self, report_id: int) -> None:
    """Render report ``report_id``; a no-op unless it is queued (see ``report_claim``)."""
    report_worker.report_render(
        report_id=report_id, final_attempt=self.request.retries >= self.max_retries
    )


@shared_task(ignore_result=True)
def sweep_reports() -> None:
    """Periodic (celery beat): re-queue or fail reports left queued or rendering too long."""
    report_worker.report_sweep()
