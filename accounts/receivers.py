"""Audit events for what allauth and Django do on their own: sign-in, sign-out, passwords,
two-factor changes; and the session clocks started at sign-in."""

from __future__ import annotations

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib.auth import signals as auth_signals

from accounts.audit import audit_record
from accounts.audit_actions import AccountAction
from accounts.middleware import MFA_OK, mark_signed_in


def _session_started(sender, request, user, **kwargs) -> None:
    # Every sign-in, whichever way (allauth, an accepted invitation, the test client).
    if request is not None and hasattr(request, "session"):
        mark_signed_in(request, user)


def _signed_in(sender, request, user, **kwargs) -> None:
    # allauth's signal: a sign-in by the person (password, two-factor, SSO).
    data = {"method": "sso"} if kwargs.get("sociallogin") is not None else {}
    audit_record(action=AccountAction.LOGIN, actor=user, request=request, data=data)


def _signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:
        audit_record(action=AccountAction.LOGOUT, actor=user, request=request)


def _password_changed(sender, request, user, **kwargs) -> None:
    audit_record(action=AccountAction.PASSWORD_CHANGED, actor=user, request=request)


def _password_reset(sender, request, user, **kwargs) -> None:
    audit_record(action=AccountAction.PASSWORD_RESET, actor=user, request=request)


def _authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    action = (
        AccountAction.MFA_RECOVERY_CODES_GENERATED
        if authenticator.type == "recovery_codes"
        else AccountAction.MFA_ENABLED
    )
    if request is not None and action == AccountAction.MFA_ENABLED:
        request.session[MFA_OK] = True
    audit_record(action=action, actor=user, request=request, data={"type": authenticator.type})


def _authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    if request is not None:
        request.session.pop(MFA_OK, None)
    audit_record(
        action=AccountAction.MFA_DISABLED,
        actor=user,
        request=request,
        data={"type": authenticator.type},
    )


def _authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    audit_record(
        action=AccountAction.MFA_RECOVERY_CODES_GENERATED,
        actor=user,
        request=request,
        data={"type": authenticator.type},
    )


def connect() -> None:
    uid = "accounts.audit"
    auth_signals.user_logged_in.connect(_session_started, dispatch_uid=f"{uid}.session")
    account_signals.user_logged_in.connect(_signed_in, dispatch_uid=f"{uid}.login")
    auth_signals.user_logged_out.connect(_signed_out, dispatch_uid=f"{uid}.logout")
    account_signals.password_changed.connect(_password_changed, dispatch_uid=f"{uid}.pw")
    account_signals.password_reset.connect(_password_reset, dispatch_uid=f"{uid}.reset")
    mfa_signals.authenticator_added.connect(_authenticator_added, dispatch_uid=f"{uid}.mfa+")
    mfa_signals.authenticator_removed.connect(_authenticator_removed, dispatch_uid=f"{uid}.mfa-")
    mfa_signals.authenticator_reset.connect(_authenticator_reset, dispatch_uid=f"{uid}.mfa*")
