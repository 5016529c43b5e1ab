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


class OutboxMessage(models.Model):
    """A Celery message waiting to be published: written in the same transaction as the state
    change it announces, deleted once the broker has it (see ``config.outbox``)."""

    task_name = models.CharField(max_length=200)
    kwargs = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # Run the task no earlier than this (a retry's backoff); published at once with an ETA.
    not_before = models.DateTimeField(null=True, blank=True)
    publish_attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task_name}({self.kwargs}) #{self.pk}"
