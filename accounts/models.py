"""Accounts models: the audit trail every app writes into (see `accounts.audit`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """One thing that happened: who did what to which object, when and from where.

    `action` is a plain dotted string (``"auth.login_failed"``, ``"workload.archived"``) with
    no choices, so an app adds its own actions (a ``StrEnum`` in its ``audit_actions.py``)
    without a migration here. The target is stored as type + id + label rather than a foreign
    key: the record outlives the object and never blocks its deletion.
    """

    occurred_at = models.DateTimeField(default=timezone.now, editable=False)
    action = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept as typed at the time: the name tried on a failed sign-in, or the actor's username
    # should the user be deleted later.
    actor_label = models.CharField(max_length=254, blank=True)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    team = models.ForeignKey(
        "reviews.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    client_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="audit_time"),
            models.Index(fields=["action", "-occurred_at"], name="audit_action_time"),
            models.Index(fields=["actor", "-occurred_at"], name="audit_actor_time"),
            models.Index(fields=["team", "-occurred_at"], name="audit_team_time"),
        ]

    def __str__(self) -> str:
        who = self.actor_label or "someone"
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {who} {self.action} {self.target_label}"
