from __future__ import annotations

from django.contrib import admin

from accounts.models import AuditEvent, Invitation


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by the app, never edited by hand."""

    list_display = ["occurred_at", "action", "actor_label", "target_label", "client_address"]
    list_filter = ["action"]
    search_fields = ["actor_label", "target_label"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent, resent and revoked on the team pages. The token is
    never stored, so nothing here can reveal a usable link."""

    list_display = ["email", "team", "role", "invited_by", "sent_at", "expires_at", "status"]
    list_filter = ["role"]
    search_fields = ["email", "team__name"]
    list_select_related = ["team", "invited_by"]
    exclude = ["token_hash"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
