"""The audit actions of the accounts app. Other apps keep theirs in their own module."""

# ruff: noqa: S105 (names such as PASSWORD_RESET are actions, not passwords)
from __future__ import annotations

from enum import StrEnum


class AccountAction(StrEnum):
    LOGIN = "auth.login"
    LOGIN_FAILED = "auth.login_failed"
    LOCKED_OUT = "auth.locked_out"
    LOGOUT = "auth.logout"
    PASSWORD_CHANGED = "auth.password_changed"
    PASSWORD_RESET_REQUESTED = "auth.password_reset_requested"
    PASSWORD_RESET = "auth.password_reset"
    MFA_ENABLED = "auth.mfa_enabled"
    MFA_DISABLED = "auth.mfa_disabled"
    MFA_RECOVERY_CODES_GENERATED = "auth.mfa_recovery_codes_generated"
    SSO_LOGIN_REFUSED = "auth.sso_refused"
    SSO_USER_CREATED = "auth.sso_user_created"


class TeamAction(StrEnum):
    """Teams, memberships and invitations (accounts/teams.py, accounts/invitations.py)."""

    CREATED = "team.created"
    RENAMED = "team.renamed"
    ARCHIVED = "team.archived"
    RESTORED = "team.restored"
    MEMBER_ADDED = "team.member_added"
    ROLE_CHANGED = "team.role_changed"
    MEMBER_REMOVED = "team.member_removed"
    INVITATION_CREATED = "invitation.created"
    INVITATION_RESENT = "invitation.resent"
    INVITATION_REVOKED = "invitation.revoked"
    INVITATION_ACCEPTED = "invitation.accepted"
    INVITATION_REFUSED = "invitation.refused"
