"""Operational Celery tasks."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from config.models import WorkerHeartbeat

logger = logging.getLogger(__name__)


@shared_task(bind=True, ignore_result=True)
def worker_heartbeat(self) -> None:
    """Record that this worker is alive and can write to the database."""
    hostname = self.request.hostname or "unknown"
    now = timezone.now()
    beat = WorkerHeartbeat.objects.filter(hostname=hostname)
    if beat.update(beats=F("beats") + 1, last_beat_at=now):
        return
    # First beat of this worker. Two of its processes can get here at once: the unique
    # hostname lets only one insert, and the other must still count its beat.
    _, created = WorkerHeartbeat.objects.get_or_create(
        hostname=hostname, defaults={"beats": 1, "last_beat_at": now}
    )
    if not created:
        beat.update(beats=F("beats") + 1, last_beat_at=now)


@shared_task(ignore_result=True)
def relay_outbox() -> None:
    """Periodic (celery beat): publish the outbox messages the committing process could not."""
    from config.outbox import outbox_relay

    try:
        sent = outbox_relay()
    except Exception as exc:  # logged by the outbox; the next beat tries again
        logger.warning("Outbox relay: broker unavailable: %s", exc)
        return
    if sent:
        logger.info("Outbox relay: published %s waiting message(s)", sent)
