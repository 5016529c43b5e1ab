"""Webhook endpoints registered by admins, and one row per delivery of an event to one."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from webhooks.events import EVENT_LABELS, EventType

NAME_MAX = 100
URL_MAX = 2048
SECRET_MAX = 128


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Endpoint(models.Model):
    name = models.CharField(max_length=NAME_MAX)
    url = models.URLField("URL", max_length=URL_MAX)
    secret = models.CharField(max_length=SECRET_MAX, default=new_secret)
    # EventType values. A list (not a PostgreSQL array) so that SQLite (`make run`) works too;
    # there are few endpoints, so the matching happens in Python.
    events = models.JSONField(default=list, blank=True)
    # None: the events of every team.
    team = models.ForeignKey(
        "reviews.Team", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    is_active = models.BooleanField("active", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def wants(self, event: EventType) -> bool:
        return event is EventType.PING or event.value in self.events

    @property
    def event_labels(self) -> list[str]:
        return [EVENT_LABELS[e] for e in EventType if e.value in self.events]


class Delivery(models.Model):
    """One event sent (or to be sent) to one endpoint; "send again" adds a new row."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The event's id: the same for a redelivery, so receivers can drop duplicates.
    event_id = models.UUIDField(default=uuid.uuid4)
    event = models.CharField(max_length=40, choices=[(e.value, EVENT_LABELS[e]) for e in EventType])
    payload = models.JSONField()  # the whole envelope, sent as it is
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)
    redelivery_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event} to {self.endpoint} ({self.status})"

    @property
    def event_label(self) -> str:
        return EVENT_LABELS.get(EventType(self.event), self.event)
