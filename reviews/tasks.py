"""Celery tasks of the reviews app: thin wrappers that take ids and call the services.

Worker side only: the web queues these by name (``reviews.services.reports.RENDER_TASK``) and
never imports this module, which loads WeasyPrint.
"""

from __future__ import annotations

import os

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection

from reviews.services import consolidated_worker, report_retention, report_worker


@shared_task(
    bind=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def render_report(self, report_id: int) -> None:
    """Render report ``report_id``; a no-op unless it is queued or its lease has expired.

    Transient errors during the render are handled by the service (release, then a new
    message with a backoff through the outbox). Only a database that is away while claiming
    reaches here: the message is retried with the same backoff, as long as it takes.
    """
    owner = f"{self.request.hostname or 'worker'}:{os.getpid()}"
    try:
        report_worker.report_render(report_id=report_id, owner=owner)
    except (OperationalError, InterfaceError) as exc:
        connection.close()
        raise self.retry(
            exc=exc, countdown=report_worker.retry_delay(self.request.retries + 1), max_retries=None
        ) from exc


@shared_task(
    bind=True,
    soft_time_limit=settings.REPORT_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_TIME_LIMIT,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
)
def render_consolidated_report(self, report_id: int) -> None:
    """Render consolidated report ``report_id`` (PDF, JSON, CSV); as ``render_report``."""
    owner = f"{self.request.hostname or 'worker'}:{os.getpid()}"
    try:
        consolidated_worker.consolidated_render(report_id=report_id, owner=owner)
    except (OperationalError, InterfaceError) as exc:
        connection.close()
        raise self.retry(
            exc=exc, countdown=report_worker.retry_delay(self.request.retries + 1), max_retries=None
        ) from exc


@shared_task(ignore_result=True)
def sweep_reports() -> None:
    """Periodic (celery beat): re-queue reports (workload and consolidated ones) whose lease
    expired or left queued too long."""
    report_worker.report_sweep()
    consolidated_worker.consolidated_sweep()


@shared_task(ignore_result=True)
def expire_reports() -> None:
    """Periodic (celery beat): remove old report files (see ``report_retention``)."""
    report_retention.report_expire()
    report_retention.consolidated_expire()


@shared_task(ignore_result=True)
def reopen_expired_items() -> None:
    """Daily (celery beat): accepted risks past their date reopen by themselves."""
    from reviews.services.items import items_reopen_expired

    items_reopen_expired()


@shared_task(ignore_result=True)
def send_item_reminders() -> None:
    """Daily (celery beat): reminder mails to item owners, and the item.overdue webhooks."""
    from reviews.services.reminders import item_reminders_send, items_overdue_notify

    items_overdue_notify()
    item_reminders_send()
