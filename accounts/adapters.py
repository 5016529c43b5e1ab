"""allauth adapters: who may sign up, how sign-in tries are counted, how SSO users are found."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import render

from accounts.audit import audit_record
from accounts.audit_actions import AccountAction
from accounts.throttle import refusal


def _login_of(credentials: dict[str, Any]) -> str:
    return str(credentials.get("email") or credentials.get("username") or "").strip().lower()


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # People join through invitations (or SSO, see SocialAccountAdapter), never by
        # signing themselves up.
        return False

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        # One counter per account whichever name is typed ("ada" or "ada@example.com"); a
        # name that matches no account is counted under itself. One indexed query, no hash.
        login = _login_of(credentials)
        User = get_user_model()
        field = "email__iexact" if "@" in login else "username__iexact"
        pk = User.objects.filter(**{field: login}).values_list("pk", flat=True).first()
        return f"user:{pk}" if pk is not None else f"login:{login}"

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        key = self._get_login_attempts_cache_key(request, **credentials)
        self._login_failed_rl_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed", key=key
        )
        if not self._login_failed_rl_usage:
            # Refused before any password is hashed, even the right one.
            raise refusal(request, action="login_failed", key=key)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        login = _login_of(credentials)
        audit_record(action=AccountAction.LOGIN_FAILED, request=request, data={"username": login})
        key = self._get_login_attempts_cache_key(request, **credentials)
        # This failure used the last try: the lock starts now, record it once.
        if not ratelimit.consume(
            request, app="allauth.account", action="login_failed", key=key, dry_run=True
        ):
            lock = refusal(request, action="login_failed", key=key)
            audit_record(
                action=AccountAction.LOCKED_OUT,
                request=request,
                data={
                    "username": login,
                    "scope": lock.scope,
                    "until": lock.retry_at_datetime.isoformat(timespec="seconds"),
                },
            )

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        context.setdefault("site_name", "archreview")
        super().send_mail(template_prefix, email, context)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on: the identity provider's verified e-mail finds the local account."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin) -> bool:
        # An invited address may always create its account through single sign-on: it then
        # comes back to the invitation link and joins the team from there.
        return settings.OIDC_CREATE_USERS or _is_invited(sociallogin)

    def _refuse(self, request: HttpRequest, reason: str, sociallogin=None, **data) -> None:
        email = _verified_or_any_email(sociallogin) if sociallogin is not None else ""
        audit_record(
            action=AccountAction.SSO_LOGIN_REFUSED,
            request=request,
            data={"username": email, "reason": reason, **data},
        )
        response = render(request, "socialaccount/refused.html", {"reason": reason}, status=403)
        raise ImmediateHttpResponse(response)

    def pre_social_login(self, request: HttpRequest, sociallogin) -> None:
        verified = [a.email for a in sociallogin.email_addresses if a.verified]
        if not verified:
            self._refuse(
                request,
                "Your identity provider has not verified your e-mail address, so it cannot be "
                "matched to an archreview account. Verify it there, then sign in again.",
                sociallogin,
            )
        if sociallogin.is_existing:
            return
        User = get_user_model()
        user = User.objects.filter(email__iexact=verified[0], is_active=True).order_by("pk").first()
        if user is not None:
            sociallogin.connect(request, user)
            return
        if not settings.OIDC_CREATE_USERS and not _is_invited(sociallogin):
            self._refuse(
                request,
                f"No archreview account uses the address {verified[0]}. Ask an administrator "
                "to invite you.",
                sociallogin,
            )

    def save_user(self, request: HttpRequest, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        from accounts.sso import join_default_team

        join_default_team(user)
        audit_record(action=AccountAction.SSO_USER_CREATED, actor=user, request=request)
        return user

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        from accounts.oidc import SSORefused

        if extra_context is not None and isinstance(exception, SSORefused):
            extra_context["reason"] = str(exception)
        audit_record(
            action=AccountAction.SSO_LOGIN_REFUSED,
            request=request,
            data={"reason": str(exception) if exception else str(error)},
        )


def _is_invited(sociallogin) -> bool:
    from accounts.invitations import has_open_invitation

    return any(
        has_open_invitation(address.email)
        for address in sociallogin.email_addresses
        if address.verified
    )


def _verified_or_any_email(sociallogin) -> str:
    addresses = list(sociallogin.email_addresses)
    return addresses[0].email if addresses else ""
