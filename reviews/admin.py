from django.contrib import admin

from accounts.audit import audit_record
from accounts.audit_actions import TeamAction
from reviews.models import LensReview, Membership, Report, Team, Workload


# Teams and members are managed in the app (accounts/team_views.py). The admin stays for
# repairs; whatever is changed here is recorded in the audit trail too, marked "via admin".
def _audit_team(request, team: Team, changed: list[str], created: bool) -> None:
    actions = [TeamAction.CREATED] if created else []
    if not created and "name" in changed:
        actions.append(TeamAction.RENAMED)
    if not created and "archived_at" in changed:
        actions.append(TeamAction.ARCHIVED if team.archived_at else TeamAction.RESTORED)
    for action in actions:
        audit_record(action=action, request=request, target=team, team=team, data={"via": "admin"})


def _audit_membership(request, membership: Membership, action: TeamAction) -> None:
    audit_record(
        action=action,
        request=request,
        target=membership,
        team=membership.team_id,
        data={"via": "admin", "user": membership.user_id, "role": membership.role},
    )


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]
    verbose_name = "member"
    verbose_name_plural = "members (architects edit workloads and answers, leads read)"


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at", "archived_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        _audit_team(request, obj, form.changed_data, created=not change)

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        for membership in formset.new_objects:
            _audit_membership(request, membership, TeamAction.MEMBER_ADDED)
        for membership, _ in formset.changed_objects:
            _audit_membership(request, membership, TeamAction.ROLE_CHANGED)
        for membership in formset.deleted_objects:
            _audit_membership(request, membership, TeamAction.MEMBER_REMOVED)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Who is in which team with which role; architects edit, leads read (docs/architecture.md)."""

    list_display = ["user", "team", "role"]
    list_filter = ["role", "team"]
    list_editable = ["role"]
    search_fields = ["user__username", "user__email", "team__name"]
    autocomplete_fields = ["user", "team"]
    list_select_related = ["user", "team"]

    def save_model(self, request, obj, form, change) -> None:
        super().save_model(request, obj, form, change)
        action = TeamAction.ROLE_CHANGED if change else TeamAction.MEMBER_ADDED
        _audit_membership(request, obj, action)

    def delete_model(self, request, obj) -> None:
        _audit_membership(request, obj, TeamAction.MEMBER_REMOVED)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset) -> None:
        for membership in queryset:
            _audit_membership(request, membership, TeamAction.MEMBER_REMOVED)
        super().delete_queryset(request, queryset)


class LensReviewInline(admin.TabularInline):
    """Read-only: lenses are added, upgraded and removed from the workload page, which keeps
    the answers and the stored counts consistent."""

    model = LensReview
    extra = 0
    fields = readonly_fields = (
        "lens_version",
        "position",
        "added_by",
        "added_at",
        "removed_at",
        "high_count",
    )
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Workload)
class WorkloadAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "environment", "updated_at", "archived_at"]
    list_filter = ["team", "environment"]
    search_fields = ["name"]
    list_select_related = ["team"]
    inlines = [LensReviewInline]


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    """Read-only view of PDF reports for operators; files are downloaded from the app only."""

    list_display = ["pk", "workload", "milestone", "status", "attempts", "created_at", "error"]
    list_filter = ["status"]
    search_fields = ["workload__name"]
    list_select_related = ["workload", "milestone"]
    # No "file" field: reports have no public URL (MEDIA_URL is unset), so show the name only.
    fields = readonly_fields = (
        "workload", "milestone", "requested_by", "status", "attempts", "error",
        "created_at", "queued_at", "started_at", "finished_at", "stored_file", "size", "checksum",
    )  # fmt: skip
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
