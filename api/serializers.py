"""What the API reads and writes. Input is checked for types here, and for the business rules
by the same forms and services the pages use."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from questions.models import LensVersion
from reviews.models import Report, Role, Team, Workload


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


class WorkloadSerializer(serializers.ModelSerializer):
    team_name = serializers.CharField(source="team.name", read_only=True)
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
            "created_at",
            "updated_at",
            "archived_at",
            "archived",
        ]
        read_only_fields = fields

    def get_archived(self, workload: Workload) -> bool:
        return workload.archived_at is not None


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
            "lens_version",
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
