"""Session lifetime, the admins' two-factor requirement, and the 429 answer to throttling."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control

from accounts.throttle import Throttled

SIGNED_IN_AT = "archreview_signed_in_at"
SEEN_AT = "archreview_seen_at"
MFA_OK = "archreview_mfa_ok"


def mark_signed_in(request: HttpRequest, user) -> None:
    """Start the clocks of a new session (called on every sign-in)."""
    now = int(time.time())
    request.session[SIGNED_IN_AT] = now
    request.session[SEEN_AT] = now
    request.session[MFA_OK] = not settings.MFA_REQUIRED_FOR_ADMINS or _has_mfa(user)


def _has_mfa(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class SessionLifetimeMiddleware:
    """Ends a session idle for SESSION_IDLE_TIMEOUT or older than SESSION_MAX_AGE.

    The last-seen time is written at most every few minutes, so a page does not pay a session
    write on every request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.refresh_every = min(300, max(1, settings.SESSION_IDLE_TIMEOUT // 10))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            signed_in_at = session.get(SIGNED_IN_AT)
            seen_at = session.get(SEEN_AT)
            if signed_in_at is None or seen_at is None:
                # A session from before these clocks existed: start them now.
                session[SIGNED_IN_AT] = session[SEEN_AT] = now
            elif now - signed_in_at > settings.SESSION_MAX_AGE:
                return self._end(request, "Your session has ended; please sign in again.")
            elif now - seen_at > settings.SESSION_IDLE_TIMEOUT:
                return self._end(
                    request, "You were signed out after a period of inactivity; please sign in."
                )
            elif now - seen_at >= self.refresh_every:
                session[SEEN_AT] = now
        return self.get_response(request)

    def _end(self, request: HttpRequest, message: str) -> HttpResponse:
        logout(request)
        messages.info(request, message)
        return redirect(f"{reverse('account_login')}?next={request.path}")


class AdminMFAMiddleware:
    """With MFA_REQUIRED_FOR_ADMINS on, an admin without two-factor can only set it up (or
    sign out) until they have."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.MFA_REQUIRED_FOR_ADMINS
            and SESSION_KEY in request.session
            and not request.session.get(MFA_OK, False)
            and request.user.is_staff
        ):
            if _has_mfa(request.user):
                request.session[MFA_OK] = True
            elif not request.path.startswith(self._allowed_prefixes()):
                messages.warning(
                    request,
                    "Administrators must use two-factor authentication: set up an "
                    "authenticator app to continue.",
                )
                return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _allowed_prefixes() -> tuple[str, ...]:
        return (
            reverse("mfa_index"),
            reverse("account_reauthenticate"),  # setting up two-factor asks for the password
            reverse("account_logout"),
            reverse("account_login"),
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL,
        )


class ThrottledMiddleware:
    """Answers a `Throttled` refusal with HTTP 429, a Retry-After header and a page that says
    when to try again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, Throttled):
            return None
        return too_many_tries(request, exception)


def too_many_tries(request: HttpRequest, throttled: Throttled | None = None) -> HttpResponse:
    response = render(request, "429.html", {"throttled": throttled}, status=429)
    if throttled is not None:
        response["Retry-After"] = str(throttled.retry_after)
    patch_cache_control(response, no_store=True)
    return response
