from django.contrib import admin

from questions.models import Lens, LensVersion


@admin.register(Lens)
class LensAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name"]


@admin.register(LensVersion)
class LensVersionAdmin(admin.ModelAdmin):
    list_display = ["lens", "number", "label", "status", "published_at"]
    list_filter = ["status", "lens"]
