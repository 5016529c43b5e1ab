"""Teams, workloads, answers and their history, milestones and PDF reports."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from questions.models import LensVersion, Question


class Role(models.TextChoices):
    ARCHITECT = "architect", "Architect"
    LEAD = "lead", "Lead"


class GrantedRole(models.TextChoices):
    """What an invitation or a role change gives a person in a team: a team role, or "admin"
    (an administrator of the whole site, who joins the team as a lead)."""

    ARCHITECT = "architect", "Architect"
    LEAD = "lead", "Lead"
    ADMIN = "admin", "Admin"

    @property
    def team_role(self) -> Role:
        return Role.LEAD if self is GrantedRole.ADMIN else Role(self.value)


class NotApplicableReason(models.TextChoices):
    OUT_OF_SCOPE = "OUT_OF_SCOPE", "Out of scope"
    BUSINESS_PRIORITIES = "BUSINESS_PRIORITIES", "Business priorities"
    ARCHITECTURE_CONSTRAINTS = "ARCHITECTURE_CONSTRAINTS", "Architecture constraints"
    OTHER = "OTHER", "Other"


class TeamQuerySet(models.QuerySet):
    def active(self) -> TeamQuerySet:
        return self.filter(archived_at__isnull=True)


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # An archived team takes no new workloads, members or invitations; what it has stays
    # readable, and an admin can restore it.
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = TeamQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="uniq_team_name_ci",
                violation_error_message="A team with this name exists already.",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ARCHITECT)

    class Meta:
        ordering = ["team__name", "user__username"]
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.get_role_display()})"


class WorkloadQuerySet(models.QuerySet):
    def visible_to(self, user) -> WorkloadQuerySet:
        """Workloads of the user's teams; staff (admins) see every workload."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self
        return self.filter(team__memberships__user=user)

    def active(self) -> WorkloadQuerySet:
        return self.filter(archived_at__isnull=True)


MAX_ACCOUNT_IDS = 100  # as in the AWS Well-Architected Tool
ACCOUNT_ID = re.compile(r"[0-9]{12}\Z")


def validate_account_ids(value: list) -> None:
    """At most 100 AWS account ids, each exactly 12 digits (leading zeros kept)."""
    if not isinstance(value, list):
        raise ValidationError("Account ids must be a list.", code="invalid")
    bad = [str(v)[:20] for v in value if not isinstance(v, str) or not ACCOUNT_ID.match(v)]
    if bad:
        raise ValidationError(
            "An AWS account id is 12 digits; not: %(bad)s.",
            code="invalid_account_id",
            params={"bad": ", ".join(bad[:5]) + (" …" if len(bad) > 5 else "")},
        )
    if len(value) > MAX_ACCOUNT_IDS:
        raise ValidationError(
            "At most %(max)d account ids; these are %(n)d.",
            code="too_many_account_ids",
            params={"max": MAX_ACCOUNT_IDS, "n": len(value)},
        )


class Workload(models.Model):
    class Environment(models.TextChoices):
        PRODUCTION = "PRODUCTION", "Production"
        PREPRODUCTION = "PREPRODUCTION", "Pre-production"

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="workloads")
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=250)
    environment = models.CharField(
        max_length=16, choices=Environment.choices, default=Environment.PRODUCTION
    )
    regions = models.JSONField(default=list, blank=True)
    review_owner = models.CharField(max_length=255, blank=True)
    owner = models.CharField("workload owner", max_length=255, blank=True)
    account_ids = models.JSONField(
        "AWS account ids", default=list, blank=True, validators=[validate_account_ids]
    )
    architectural_design = models.URLField("architectural design link", max_length=2048, blank=True)
    industry = models.CharField(max_length=100, blank=True)
    notes = models.TextField(max_length=2084, blank=True)
    lens_version = models.ForeignKey(LensVersion, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = WorkloadQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="uniq_workload_name_in_team")
        ]

    def __str__(self) -> str:
        return self.name


class Answer(models.Model):
    """One workload's answer to one question. ``version`` guards against lost updates."""

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    # Choice refs ("ids") that the workload follows, in bank order; may be just the
    # "None of these" choice.
    selected = models.JSONField(default=list, blank=True)
    # Best practices marked not applicable: {choice ref: {"reason": ..., "note": ...}}.
    choices_not_applicable = models.JSONField(default=dict, blank=True)
    is_applicable = models.BooleanField(default=True)
    reason = models.CharField(max_length=32, choices=NotApplicableReason.choices, blank=True)
    notes = models.TextField(max_length=2084, blank=True)
    version = models.PositiveIntegerField(default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workload", "question"], name="uniq_answer"),
            models.CheckConstraint(
                condition=Q(is_applicable=True) | ~Q(reason=""),
                name="answer_not_applicable_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workload} / {self.question.ref}"

    @property
    def is_answered(self) -> bool:
        return not self.is_applicable or bool(self.selected)


class AnswerChange(models.Model):
    """History: every saved change to an answer, who made it and the state before and after."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    before = models.JSONField(default=dict)
    after = models.JSONField(default=dict)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.answer} v{self.version}"


class Milestone(models.Model):
    """An immutable snapshot of a workload's answers, results and lens version."""

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=100)
    lens_version = models.ForeignKey(LensVersion, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    answers = models.JSONField(default=dict)
    results = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workload", "name"], name="uniq_milestone_name")
        ]

    def __str__(self) -> str:
        return self.name


def report_upload_to(instance: Report, filename: str) -> str:
    return f"reports/{instance.workload_id}/{filename}"


class Report(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RENDERING = "rendering", "Rendering"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        # Its file was removed by the retention rule (reviews.services.report_retention).
        EXPIRED = "expired", "Removed"

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="reports")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    lens_version = models.ForeignKey(LensVersion, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # When the report was last handed to the broker: the sweep re-sends a report left queued
    # (a lost message) measured from here.
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    # The render lease: which worker process holds the report and until when (renewed by its
    # heartbeat). Past the expiry anyone may take the report over.
    lease_owner = models.CharField(max_length=255, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(upload_to=report_upload_to, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    checksum = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return f"Report {self.pk} for {self.workload} ({self.status})"
