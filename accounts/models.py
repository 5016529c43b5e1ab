"""Accounts models: the audit trail every app writes into (see `accounts.audit`) and
invitations into teams (see `accounts.invitations`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from reviews.models import GrantedRole


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


class InvitationQuerySet(models.QuerySet):
    def pending(self) -> InvitationQuerySet:
        """Neither accepted nor revoked (an expired one is still listed, marked expired)."""
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True)


class Invitation(models.Model):
    """An e-mail invitation to join a team with a role.

    The link carries a random token; only its SHA-256 is stored, so the table does not hold
    usable links. A link works once, for ``INVITATION_LIFETIME`` after it was (re)sent, until
    revoked, and only for the invited address.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        EXPIRED = "expired", "Expired"
        ACCEPTED = "accepted", "Accepted"
        REVOKED = "revoked", "Revoked"

    team = models.ForeignKey("reviews.Team", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(max_length=254)
    role = models.CharField(max_length=16, choices=GrantedRole.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    sent_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open invitation per address and team: inviting again means "resend".
            models.UniqueConstraint(
                "team",
                Lower("email"),
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="uniq_open_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} to {self.team} ({self.get_role_display()})"

    @property
    def status(self) -> Status:
        if self.accepted_at:
            return self.Status.ACCEPTED
        if self.revoked_at:
            return self.Status.REVOKED
        if self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.Status.PENDING
