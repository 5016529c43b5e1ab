"""What the API reads and writes. Input is checked for types here, and for the business rules
by the same forms and services the pages use."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from questions.models import LensVersion
from reviews.models import (
    ITEM_STATUS_CHOICES,
    ImprovementItem,
    LensReview,
    Milestone,
    NotApplicableReason,
    Report,
    Role,
    Team,
    Workload,
)


class TeamSerializer(serializers.ModelSerializer):
    role = serializers.SerializerMethodField(
        help_text="Your role in the team (architect or lead); null for an administrator "
        "who is not a member."
    )

    class Meta:
        model = Team
        fields = ["id", "name", "role", "created_at", "archived_at"]

    def get_role(self, team: Team) -> str | None:
        role = getattr(team, "user_role", None)
        return role if role in Role.values else None


class LensVersionSerializer(serializers.ModelSerializer):
    lens = serializers.CharField(source="lens.slug", read_only=True, help_text="The lens slug.")

    class Meta:
        model = LensVersion
        fields = [
            "id",
            "lens",
            "name",
            "number",
            "label",
            "kind",
            "status",
            "description",
            "published_at",
            "content_hash",
        ]


class LensImportResultSerializer(serializers.Serializer):
    version = LensVersionSerializer()
    created = serializers.BooleanField(
        help_text="false: the file is identical to an existing version; nothing was written."
    )
    pillars = serializers.IntegerField()
    questions = serializers.IntegerField()
    practices = serializers.IntegerField()
    none_choices = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


def _active_lens_reviews(workload: Workload) -> list:
    """The workload's active lens reviews, from the prefetch when the view made one."""
    cached = getattr(workload, "active_lens_reviews", None)
    if cached is not None:
        return cached
    return list(LensReview.objects.active().filter(workload=workload).order_by("position", "pk"))


class WorkloadSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
    lens_version = serializers.SerializerMethodField(
        help_text="The lens version of the workload's first lens (see lens_versions)."
    )
    lens_versions = serializers.SerializerMethodField(
        help_text="The lens versions the workload is reviewed against, in order."
    )
    archived = serializers.SerializerMethodField()
    regions = serializers.ListField(child=serializers.CharField(), read_only=True)
    # May be empty, so not a "uri" in the schema.
    architectural_design = serializers.CharField(read_only=True)

    class Meta:
        model = Workload
        fields = [
            "id",
            "name",
            "description",
            "team",
            "team_name",
            "environment",
            "regions",
            "review_owner",
            "architectural_design",
            "industry",
            "notes",
            "lens_version",
            "lens_versions",
            "created_at",
            "updated_at",
            "archived_at",
            "archived",
        ]
        read_only_fields = fields

    def get_archived(self, workload: Workload) -> bool:
        return workload.archived_at is not None

    def get_lens_version(self, workload: Workload) -> int | None:
        reviews = _active_lens_reviews(workload)
        return reviews[0].lens_version_id if reviews else None

    def get_lens_versions(self, workload: Workload) -> list[int]:
        return [r.lens_version_id for r in _active_lens_reviews(workload)]


class WorkloadWriteSerializer(serializers.Serializer):
    """Types only; ``reviews.forms.WorkloadForm`` then applies the page's rules."""

    name = serializers.CharField(
        max_length=100, trim_whitespace=False, help_text="3 to 100 characters, unique in the team."
    )
    description = serializers.CharField(
        max_length=250, trim_whitespace=False, help_text="3 to 250 characters."
    )
    team = serializers.IntegerField(help_text="Create only: a team where you are an architect.")
    environment = serializers.ChoiceField(
        choices=Workload.Environment.choices, default=Workload.Environment.PRODUCTION
    )
    regions = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=50, default=list
    )
    review_owner = serializers.CharField(max_length=255, allow_blank=True, default="")
    architectural_design = serializers.CharField(max_length=2048, allow_blank=True, default="")
    industry = serializers.CharField(max_length=100, allow_blank=True, default="")
    notes = serializers.CharField(max_length=2084, allow_blank=True, default="")
    lens_version = serializers.IntegerField(
        required=False,
        help_text="Create only: a published lens version id (default: the newest REL 3-5).",
    )


class WorkloadUpdateSerializer(WorkloadWriteSerializer):
    team = None  # type: ignore[assignment]
    lens_version = None  # type: ignore[assignment]


class WorkloadArchiveSerializer(serializers.Serializer):
    archived = serializers.BooleanField(
        default=True, help_text="true archives the workload, false restores it."
    )


class ReportSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "id",
            "workload",
            "milestone",
            "status",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "size",
            "checksum",
            "status_url",
            "download_url",
        ]
        read_only_fields = fields

    def _url(self, name: str, report: Report) -> str:
        path = reverse(name, kwargs={"workload_id": report.workload_id, "pk": report.pk})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_status_url(self, report: Report) -> str:
        return self._url("api:report-detail", report)

    def get_download_url(self, report: Report) -> str | None:
        if report.status != Report.Status.READY:
            return None
        return self._url("api:report-download", report)


class ReportRequestSerializer(serializers.Serializer):
    milestone = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="A milestone of this workload; absent or null for the current answers.",
    )


# --- questions and answers ----------------------------------------------------------------------
class ChoiceSerializer(serializers.Serializer):
    id = serializers.CharField(source="ref", help_text="The best practice's id in the lens.")
    title = serializers.CharField()
    description = serializers.CharField()
    is_none = serializers.BooleanField(help_text='The "None of these" choice.')
    risk = serializers.CharField(help_text="Native banks: the risk while not followed.")
    helpful_resource_text = serializers.CharField()
    helpful_resource_url = serializers.CharField()
    improvement_plan_text = serializers.CharField()
    improvement_plan_url = serializers.CharField()


class PracticeNotApplicableSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=NotApplicableReason.choices)
    note = serializers.CharField(allow_blank=True, required=False, default="")


class AnswerWriteSerializer(serializers.Serializer):
    """The whole answer (PUT replaces it); checked by ``answer_save`` like the page's form."""

    selected = serializers.ListField(
        child=serializers.CharField(max_length=100),
        max_length=100,
        default=list,
        help_text='Ids of the best practices followed (or only the "None of these" id).',
    )
    choices_not_applicable = serializers.DictField(
        child=PracticeNotApplicableSerializer(),
        default=dict,
        help_text="Best practices marked not applicable, by id, with a reason and a note.",
    )
    is_applicable = serializers.BooleanField(default=True)
    reason = serializers.ChoiceField(
        choices=NotApplicableReason.choices,
        allow_blank=True,
        default="",
        help_text="Required when is_applicable is false.",
    )
    notes = serializers.CharField(allow_blank=True, default="", trim_whitespace=False)


class AnswerSerializer(serializers.Serializer):
    question = serializers.IntegerField(source="question_id")
    selected = serializers.ListField(child=serializers.CharField())
    choices_not_applicable = serializers.DictField(child=PracticeNotApplicableSerializer())
    is_applicable = serializers.BooleanField()
    reason = serializers.CharField()
    notes = serializers.CharField()
    version = serializers.IntegerField(help_text="Also the ETag; send it back in If-Match.")
    updated_at = serializers.DateTimeField(allow_null=True)
    updated_by = serializers.IntegerField(source="updated_by_id", allow_null=True)


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    ref = serializers.CharField(help_text="The question's id in the lens.")
    pillar = serializers.CharField(source="pillar.ref")
    pillar_name = serializers.CharField(source="pillar.name")
    title = serializers.CharField()
    description = serializers.CharField()
    helpful_resource_text = serializers.CharField()
    helpful_resource_url = serializers.CharField()
    risk = serializers.CharField(help_text="UNANSWERED, HIGH, MEDIUM, LOW, NONE or NOT_APPLICABLE.")
    choices = ChoiceSerializer(many=True, source="choices.all")


# --- risks and milestones -----------------------------------------------------------------------
class RiskCountsSerializer(serializers.Serializer):
    UNANSWERED = serializers.IntegerField()
    HIGH = serializers.IntegerField()
    MEDIUM = serializers.IntegerField()
    LOW = serializers.IntegerField()
    NONE = serializers.IntegerField()
    NOT_APPLICABLE = serializers.IntegerField()


class PillarRiskSerializer(serializers.Serializer):
    ref = serializers.CharField()
    name = serializers.CharField()
    counts = RiskCountsSerializer()
    score = serializers.IntegerField(allow_null=True)


class QuestionRiskSerializer(serializers.Serializer):
    ref = serializers.CharField()
    pillar_ref = serializers.CharField()
    title = serializers.CharField()
    risk = serializers.CharField()


class PlanItemSerializer(serializers.Serializer):
    pillar_ref = serializers.CharField()
    question_ref = serializers.CharField()
    question_title = serializers.CharField()
    practice_ref = serializers.CharField()
    practice_title = serializers.CharField()
    risk = serializers.CharField()
    improvement_text = serializers.CharField()
    improvement_url = serializers.CharField()


class RiskSummarySerializer(serializers.Serializer):
    """A scored result: counts of questions by risk, score (0-100, null until an applicable
    question is answered), per pillar, per question, and the improvement plan."""

    counts = RiskCountsSerializer()
    score = serializers.IntegerField(allow_null=True)
    answered = serializers.IntegerField()
    total = serializers.IntegerField()
    pillars = PillarRiskSerializer(many=True)
    questions = QuestionRiskSerializer(many=True)
    improvement_plan = PlanItemSerializer(many=True)


class MilestoneSerializer(serializers.ModelSerializer):
    lens_versions = serializers.SerializerMethodField(
        help_text="The lens versions the milestone froze, in order."
    )

    class Meta:
        model = Milestone
        fields = ["id", "workload", "name", "lens_versions", "created_by", "created_at"]
        read_only_fields = fields

    def get_lens_versions(self, milestone: Milestone) -> list[int]:
        return [f.lens_version_id for f in milestone.lenses.all()]


class MilestoneDetailSerializer(MilestoneSerializer):
    results = serializers.SerializerMethodField()

    class Meta(MilestoneSerializer.Meta):
        fields = [*MilestoneSerializer.Meta.fields, "results"]
        read_only_fields = fields

    @extend_schema_field(RiskSummarySerializer)
    def get_results(self, milestone: Milestone) -> dict:
        from reviews import loader

        return RiskSummarySerializer(loader.result_for_milestone(milestone)).data


class MilestoneCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, trim_whitespace=False)


class QuestionChangeSerializer(serializers.Serializer):
    pillar_ref = serializers.CharField()
    question_ref = serializers.CharField()
    title = serializers.CharField()
    risk_before = serializers.CharField(allow_null=True)
    risk_after = serializers.CharField(allow_null=True)
    newly_followed = serializers.ListField(child=serializers.CharField())
    no_longer_followed = serializers.ListField(child=serializers.CharField())


class MilestoneCompareSerializer(serializers.Serializer):
    before = serializers.IntegerField(help_text="The milestone compared from.")
    after = serializers.IntegerField(allow_null=True, help_text="The milestone, or null: now.")
    changes = QuestionChangeSerializer(many=True)


# --- lens reviews -------------------------------------------------------------------------------
class LensReviewSerializer(serializers.ModelSerializer):
    lens = serializers.CharField(source="lens_version.lens.slug", read_only=True)
    lens_name = serializers.CharField(source="lens_version.name", read_only=True)
    counts = RiskCountsSerializer(read_only=True, help_text="Questions by risk, stored.")

    class Meta:
        model = LensReview
        fields = [
            "id",
            "workload",
            "lens",
            "lens_name",
            "lens_version",
            "position",
            "counts",
            "added_by",
            "added_at",
            "updated_at",
        ]
        read_only_fields = fields


class LensReviewCreateSerializer(serializers.Serializer):
    lens_version = serializers.IntegerField(help_text="A published lens version id.")


class QuestionCarrySerializer(serializers.Serializer):
    pillar_ref = serializers.CharField()
    question_ref = serializers.CharField()
    title = serializers.CharField()
    dropped_choices = serializers.ListField(child=serializers.CharField())
    new_choices = serializers.ListField(child=serializers.CharField())


class UpgradePlanSerializer(serializers.Serializer):
    """What an upgrade carries over (answers, by pillar, question and choice ids), what is
    dropped and what is new: the page's report."""

    from_version = serializers.IntegerField(source="from_version.pk")
    to_version = serializers.IntegerField(source="to_version.pk")
    carried = QuestionCarrySerializer(many=True)
    dropped_questions = QuestionCarrySerializer(many=True)
    new_questions = QuestionCarrySerializer(many=True)
    dropped_choice_count = serializers.IntegerField()


# --- improvement items --------------------------------------------------------------------------
class ItemSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This item's URL (read and update).")
    workload_name = serializers.CharField(source="workload.name", read_only=True)
    team = serializers.IntegerField(source="workload.team_id", read_only=True)
    lens = serializers.CharField(source="lens_review.lens.slug", read_only=True)
    pillar = serializers.CharField(source="pillar_ref", read_only=True)
    question_ref = serializers.CharField(read_only=True, help_text="The question's id in the lens.")
    question_title = serializers.CharField(source="question.title", read_only=True)
    practice = serializers.CharField(
        source="practice_ref", read_only=True, help_text="The best practice's id in the lens."
    )
    risk = serializers.CharField(read_only=True, help_text="HIGH, MEDIUM or LOW.")
    resolved = serializers.SerializerMethodField(
        help_text="The answer no longer puts the practice at risk (resolved_at, resolved_by)."
    )
    owner_username = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField(help_text="Open and past its due date.")
    # May be empty, so not a "uri" in the schema.
    link = serializers.CharField(read_only=True, help_text="The ticket link.")

    class Meta:
        model = ImprovementItem
        fields = [
            "id",
            "url",
            "workload",
            "workload_name",
            "team",
            "lens_review",
            "lens",
            "pillar",
            "question",
            "question_ref",
            "question_title",
            "practice",
            "practice_title",
            "risk",
            "status",
            "resolved",
            "resolved_at",
            "resolved_by",
            "owner",
            "owner_username",
            "due_date",
            "overdue",
            "notes",
            "link",
            "accepted_reason",
            "accepted_until",
            "accepted_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_url(self, item: ImprovementItem) -> str:
        path = reverse(
            "api:workload-item-detail", kwargs={"workload_id": item.workload_id, "pk": item.pk}
        )
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_resolved(self, item: ImprovementItem) -> bool:
        return item.resolved_at is not None

    def get_owner_username(self, item: ImprovementItem) -> str | None:
        return item.owner.get_username() if item.owner_id and item.owner else None

    def get_overdue(self, item: ImprovementItem) -> bool:
        return item.is_overdue(self.context.get("today"))


class ItemUpdateSerializer(serializers.Serializer):
    """Types only; ``item_update`` (the pages' service) applies the rules: the owner is a
    member of the team, an accepted risk needs a reason, a future expiry and a lead, the
    length limits. Send only the fields you change (PATCH)."""

    owner = serializers.IntegerField(
        min_value=1,
        max_value=2**63 - 1,
        allow_null=True,
        required=False,
        help_text="A user id of a member of the workload's team; null: nobody.",
    )
    due_date = serializers.DateField(allow_null=True, required=False)
    status = serializers.ChoiceField(
        choices=ITEM_STATUS_CHOICES,
        required=False,
        help_text="risk_accepted: leads only, with accepted_reason and accepted_until.",
    )
    notes = serializers.CharField(allow_blank=True, required=False, trim_whitespace=False)
    link = serializers.URLField(
        allow_blank=True, max_length=2048, required=False, help_text="A ticket URL, or empty."
    )
    accepted_reason = serializers.CharField(
        allow_blank=True, required=False, help_text="Why the risk is accepted."
    )
    accepted_until = serializers.DateField(
        allow_null=True,
        required=False,
        help_text="A future date; the item reopens by itself after it.",
    )
