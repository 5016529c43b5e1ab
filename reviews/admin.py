from django.contrib import admin

from reviews.models import Membership, Report, Team, Workload


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]
    verbose_name = "member"
    verbose_name_plural = "members (architects edit workloads and answers, leads read)"


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Who is in which team with which role; architects edit, leads read (docs/architecture.md)."""

    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    list_editable = ["role"]
    search_fields = ["user__username", "user__email", "team__name"]
    autocomplete_fields = ["user", "team"]
    list_select_related = ["user", "team"]


@admin.register(Workload)
class WorkloadAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "environment", "lens_version", "updated_at", "archived_at"]
    list_filter = ["team", "environment"]
    search_fields = ["name"]
    list_select_related = ["team", "lens_version__lens"]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only view of PDF reports for operators; files are downloaded from the app only."""

    list_display = ["pk", "workload", "milestone", "status", "attempts", "created_at", "error"]
    list_filter = ["status"]
    search_fields = ["workload__name"]
    list_select_related = ["workload", "milestone"]
    # No "file" field: reports have no public URL (MEDIA_URL is unset), so show the name only.
    fields = [
        "workload", "milestone", "lens_version", "requested_by", "status", "attempts", "error",
        "created_at", "queued_at", "started_at", "finished_at", "stored_file", "size", "checksum",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["retry_failed"]

    @admin.display(description="file")
    def stored_file(self, report: Report) -> str:
        return report.file.name or "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Retry the selected failed reports")
    def retry_failed(self, request, queryset) -> None:
        from reviews.services.reports import report_retry

        retried = sum(report_retry(report=report) for report in queryset)
        self.message_user(request, f"{retried} failed report(s) queued again.")
