"""Operational state of the deployment itself (not review data)."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the heartbeat task, one row per worker hostname.

    It proves end to end that a message queued by the web side reached a worker and that the
    worker can write to the database: the two things a broker ping alone cannot show.
    """

    hostname = models.CharField(max_length=255, unique=True)
    beats = models.PositiveIntegerField(default=0)
    last_beat_at = models.DateTimeField()

    class Meta:
        ordering = ["-last_beat_at"]

    def __str__(self) -> str:
        return f"{self.hostname} at {self.last_beat_at:%Y-%m-%d %H:%M:%S}"
