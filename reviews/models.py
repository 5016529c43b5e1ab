"""Teams, workloads, lens reviews, answers and their history, milestones and PDF reports.

A workload is reviewed through one or more *lens reviews* (a lens version on a workload).
Answers belong to a lens review; milestones freeze every lens review of a workload. Each lens
review and each workload stores its risk counts (``RiskCounts``), written in the same
transaction as every change that moves them, so lists read figures instead of scoring.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from questions.models import Lens, LensVersion, Question
from questions.vocab import choices
from reviews import scoring
from reviews.labels import ITEM_STATUS_LABELS, REPORT_STATUS_LABELS
from reviews.vocab import ItemStatus, ReportStatus, Risk
from reviews.workload_order import dashboard_indexes


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


def count_field(risk: str) -> str:
    """The stored count column of a question risk: ``HIGH`` -> ``high_count``."""
    return f"{risk.lower()}_count"


COUNT_FIELDS = tuple(count_field(risk) for risk in Risk)


class RiskCounts(models.Model):
    """Questions per risk, stored so that lists never score on read.

    Kept exact by the services that change answers or lens reviews (in the same transaction);
    ``manage.py recompute_counts`` recomputes them from the answers and reports any drift.
    """

    unanswered_count = models.PositiveIntegerField(default=0)
    high_count = models.PositiveIntegerField(default=0)
    medium_count = models.PositiveIntegerField(default=0)
    low_count = models.PositiveIntegerField(default=0)
    none_count = models.PositiveIntegerField(default=0)
    not_applicable_count = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def counts(self) -> dict[str, int]:
        return {risk: getattr(self, count_field(risk)) for risk in Risk}

    def set_counts(self, counts: dict[str, int]) -> None:
        for risk in Risk:
            setattr(self, count_field(risk), counts.get(risk, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def answered(self) -> int:
        return self.total - self.unanswered_count

    @property
    def score(self) -> int | None:
        return scoring.score_from_counts(self.counts)


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


class Workload(RiskCounts):
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
    # Pillar ids (``Pillar.ref``) in the order the team wants to work on them; the improvement
    # plan follows it across lenses. Pillars not listed come after, in bank order.
    pillar_priorities = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    archived_at = models.DateTimeField(null=True, blank=True)
    # Not a column: the viewer's role, annotated by reviews.access.get_workload_or_404.
    user_role: str | None

    objects = WorkloadQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="uniq_workload_name_in_team")
        ]
        # The dashboard reads a page of any sort from an index (``reviews.workload_order``).
        indexes = dashboard_indexes()

    def __str__(self) -> str:
        return self.name


class LensReviewQuerySet(models.QuerySet):
    def active(self) -> LensReviewQuerySet:
        return self.filter(removed_at__isnull=True)


class LensReview(RiskCounts):
    """One lens version applied to a workload; answered and upgraded on its own.

    Removing a lens review only marks it removed: its answers, their history and the
    milestones that froze it stay. A workload has at most one active lens review per lens.
    """

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="lens_reviews")
    # The lens of ``lens_version``, stored so the database can keep one active review per lens.
    lens = models.ForeignKey(Lens, on_delete=models.PROTECT, related_name="+")
    lens_version = models.ForeignKey(LensVersion, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    # The last answer saved in this lens review ("continue where you left off").
    updated_at = models.DateTimeField(default=timezone.now)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    removed_at = models.DateTimeField(null=True, blank=True)

    # Not columns: the lens's newest published version and what scoring reads of the current
    # answers, when read by reviews.selectors.active_lens_reviews(with_newest=True /
    # with_scoring=True).
    newest_version: LensVersion | None
    answer_scoring: dict[str, scoring.AnswerState]

    objects = LensReviewQuerySet.as_manager()

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["workload", "lens"],
                condition=Q(removed_at__isnull=True),
                name="uniq_active_lens_review",
            )
        ]

    def __str__(self) -> str:
        return f"{self.workload} / {self.lens_version}"

    @property
    def is_active(self) -> bool:
        return self.removed_at is None


class Answer(models.Model):
    """A lens review's answer to one question. ``version`` guards against lost updates."""

    lens_review = models.ForeignKey(LensReview, on_delete=models.CASCADE, related_name="answers")
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
            models.UniqueConstraint(fields=["lens_review", "question"], name="uniq_answer"),
            models.CheckConstraint(
                condition=Q(is_applicable=True) | ~Q(reason=""),
                name="answer_not_applicable_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lens_review} / {self.question.ref}"

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
    """An immutable snapshot of every active lens review of a workload (``MilestoneLens``)."""

    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="milestones")
    name = models.CharField(max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workload", "name"], name="uniq_milestone_name")
        ]

    def __str__(self) -> str:
        return self.name


class MilestoneLens(models.Model):
    """One lens review as a milestone froze it: its lens version, answers and results."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="lenses")
    lens_review = models.ForeignKey(LensReview, on_delete=models.CASCADE, related_name="+")
    lens_version = models.ForeignKey(LensVersion, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(default=0)
    # Answers keyed by ``scoring.answer_key`` as the history records them, and
    # ``scoring.result_to_json`` of the results.
    answers = models.JSONField(default=dict)
    results = models.JSONField(default=dict)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "lens_review"], name="uniq_milestone_lens_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.milestone} / {self.lens_version}"


def report_upload_to(instance: Report, filename: str) -> str:
    return f"reports/{instance.workload_id}/{filename}"


class RenderJob(models.Model):
    """What a rendered report of either kind shares: its status lifecycle (queued ->
    rendering -> ready | failed, expired once its files are removed) and the worker's lease.
    ``reviews.services.report_worker`` claims, renews, fails and sweeps both kinds."""

    Status = ReportStatus

    status = models.CharField(
        max_length=16, choices=choices(REPORT_STATUS_LABELS), default=ReportStatus.QUEUED.value
    )
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

    class Meta:
        abstract = True


class Report(RenderJob):
    workload = models.ForeignKey(Workload, on_delete=models.CASCADE, related_name="reports")
    milestone = models.ForeignKey(
        Milestone, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    file = models.FileField(upload_to=report_upload_to, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    checksum = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return f"Report {self.pk} for {self.workload} ({self.status})"


# Also the API schema's ItemStatusEnum (SPECTACULAR_SETTINGS' ENUM_NAME_OVERRIDES).
ITEM_STATUS_CHOICES = choices(ITEM_STATUS_LABELS)


class ImprovementItem(models.Model):
    """One best practice at risk in a review: who fixes it, by when, and where it stands.

    Identified by its practice's ids (pillar, question, practice ``ref``), so it survives lens
    upgrades; ``question`` points at the question of the current lens version. Items follow the
    answers (``reviews.services.items``): a practice followed or marked not applicable resolves
    the item ("resolved by the answer", who and when recorded); unticked again, it reopens with
    its owner. Every change is in the audit trail (target ``reviews.improvementitem``).
    """

    Status = ItemStatus

    lens_review = models.ForeignKey(
        LensReview, on_delete=models.CASCADE, related_name="improvement_items"
    )
    # The lens review's workload, stored for the team and workload lists and exports.
    workload = models.ForeignKey(
        Workload, on_delete=models.CASCADE, related_name="improvement_items"
    )
    pillar_ref = models.CharField(max_length=100)
    question_ref = models.CharField(max_length=100)
    practice_ref = models.CharField(max_length=100)
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    practice_title = models.CharField(max_length=128)
    risk = models.CharField(max_length=16)  # one of PRACTICE_LEVELS: the practice's own risk
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="improvement_items",
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=ITEM_STATUS_CHOICES, default=ItemStatus.NOT_STARTED.value
    )
    notes = models.TextField(max_length=2084, blank=True)
    link = models.URLField("ticket link", max_length=2048, blank=True)
    accepted_reason = models.CharField(max_length=500, blank=True)
    accepted_until = models.DateField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Set while the answer no longer puts the practice at risk.
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The day the "item.overdue" webhook went out for the current due date (once per date).
    overdue_notified_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lens_review", "pillar_ref", "question_ref", "practice_ref"],
                name="uniq_item_per_practice",
            ),
            models.CheckConstraint(
                condition=~Q(status=ItemStatus.RISK_ACCEPTED.value)
                | (~Q(accepted_reason="") & Q(accepted_until__isnull=False)),
                name="item_accepted_risk_needs_reason_and_expiry",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["status", "accepted_until"]),
        ]

    def __str__(self) -> str:
        # No related row here: audit labels are built from it inside the answer save.
        return f"{self.practice_title} ({self.practice_ref})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None and self.status in (
            self.Status.NOT_STARTED,
            self.Status.IN_PROGRESS,
        )

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.is_open and self.due_date is not None and self.due_date < today


class ReminderOptOut(models.Model):
    """A user who asked for no daily e-mail about their improvement items."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_opt_out"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    def __str__(self) -> str:
        return f"No reminders for {self.user}"


def consolidated_upload_to(instance: ConsolidatedReport, filename: str) -> str:
    return f"consolidated/{instance.team_id}/{filename}"


class ConsolidatedReport(RenderJob):
    """One report over many workloads of a team (a PDF, and the same data as JSON and CSV).

    Same lifecycle as ``Report`` (queued -> rendering -> ready | failed, claimed under a lease
    by a worker, swept when stuck): ``reviews.services.consolidated`` requests and retries,
    ``reviews.services.consolidated_worker`` renders. The selection is stored as workload ids,
    resolved when the report is requested, so a render never depends on filters that may
    match other workloads later.
    """

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="consolidated_reports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    workload_ids = models.JSONField(default=list)
    # How the workloads were picked, in words, for the report's cover and the list page
    # ("12 workloads ticked", "Filters: with high risks, production").
    selection = models.CharField(max_length=500, blank=True)
    pdf_file = models.FileField(upload_to=consolidated_upload_to, blank=True)
    json_file = models.FileField(upload_to=consolidated_upload_to, blank=True)
    csv_file = models.FileField(upload_to=consolidated_upload_to, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)  # of the PDF

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "started_at"])]

    def __str__(self) -> str:
        return f"Consolidated report {self.pk}: {len(self.workload_ids)} workloads ({self.status})"
