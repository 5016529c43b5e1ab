"""Token scope. Who may see or change which object is answered by ``reviews.access``."""

from __future__ import annotations

from rest_framework import permissions

from api.models import ApiToken


class TokenScopeAllows(permissions.BasePermission):
    """A read-only token may only read (403 on every write, before any object is looked up,
    so the answer says nothing about whether the object exists)."""

    message = "This API token is read-only. Create a read and write token to change data."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if isinstance(token, ApiToken) and request.method not in permissions.SAFE_METHODS:
            return token.can_write
        return True


class IsStaff(permissions.BasePermission):
    message = "Only administrators may do this."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_staff)


# An action's own ``permission_classes`` replaces the defaults, so they are repeated here.
STAFF_ONLY = [permissions.IsAuthenticated, TokenScopeAllows, IsStaff]
