from django.contrib import admin

from reviews.models import Membership, Team, Workload


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
