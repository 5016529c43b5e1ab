"""Operational Celery tasks."""

from __future__ import annotations

from celery import shared_task
from django.db.models import F
from django.utils import timezone

from config.models import WorkerHeartbeat


@shared_task(bind=True, ignore_result=True)
def worker_heartbeat(self) -> None:
    """Record that this worker is alive and can write to the database."""
    hostname = self.request.hostname or "unknown"
    now = timezone.now()
    # update-then-create keeps it idempotent and race-free enough: the unique hostname is the
    # guard if two deliveries of the same message ever run at once.
    updated = WorkerHeartbeat.objects.filter(hostname=hostname).update(
        beats=F("beats") + 1, last_beat_at=now
    )
    if not updated:
        WorkerHeartbeat.objects.get_or_create(
            hostname=hostname, defaults={"beats": 1, "last_beat_at": now}
        )
