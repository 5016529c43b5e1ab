"""Celery tasks of the webhooks app: thin wrappers that take ids and call the services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from webhooks import services


@shared_task(
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.WEBHOOK_TASK_TIME_LIMIT,
    time_limit=settings.WEBHOOK_TASK_TIME_LIMIT + 10,
)
def deliver_webhook(delivery_id: int) -> None:
    """Send delivery ``delivery_id`` once; a no-op unless it is pending and due."""
    services.delivery_attempt(delivery_id=delivery_id)


@shared_task(ignore_result=True)
def sweep_webhook_deliveries() -> None:
    """Periodic (celery beat): re-queue deliveries left pending or sending too long."""
    services.delivery_sweep()
