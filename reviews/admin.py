from django.contrib import admin

from reviews.models import Membership, Team, Workload


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(Workload)
class WorkloadAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "environment", "lens_version", "updated_at", "archived_at"]
    list_filter = ["team", "environment"]
    search_fields = ["name"]
    list_select_related = ["team", "lens_version__lens"]
