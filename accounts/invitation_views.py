"""The link in an invitation mail: check it, then create the account or join with the
signed-in one. Open to signed-out visitors: the token is the credential."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from accounts.audit import audit_record
from accounts.audit_actions import TeamAction
from accounts.invitations import (
    InvitationRefused,
    existing_account,
    invitation_accept,
    invitation_accept_new_user,
    invitation_for_token,
)
from accounts.team_forms import AcceptForm
from accounts.throttle import limit_or_raise


@never_cache
@sensitive_post_parameters("password1", "password2")
def invitation_accept_view(request: HttpRequest, token: str) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    # Tries to accept, per link and per client address (HTTP 429 past the limit).
    limit_or_raise(request, action="accept_invitation", key=token)
    try:
        invitation = invitation_for_token(token, user=request.user)
    except InvitationRefused as refused:
        return _refused(request, refused)

    user = request.user
    account = None if user.is_authenticated else existing_account(invitation)
    form = None
    if user.is_authenticated:
        if request.method == "POST":
            return _accept(request, token, user=user)
    elif account is not None:
        # The address has an account: its owner signs in, then comes back here to join.
        if request.method == "POST":
            return redirect_to_login(request.get_full_path())
    else:
        form = AcceptForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                return _accept(request, token, form=form)
            except ValidationError as error:
                form.add_error("password1" if _about_password(error) else None, error)
    return render(
        request,
        "accounts/invitations/accept.html",
        {"invitation": invitation, "form": form, "account": account},
        status=400 if form is not None and form.errors else 200,
    )


def _about_password(error: ValidationError) -> bool:
    return any(
        code and code.startswith(("password", "too_", "entirely_numeric", "common"))
        for code in (e.code for e in error.error_list)
    )


def _accept(request: HttpRequest, token: str, *, user=None, form=None) -> HttpResponse:
    try:
        if user is not None:
            membership = invitation_accept(token=token, user=user, request=request)
            team = membership.team
        else:
            user = invitation_accept_new_user(
                token=token,
                name=form.cleaned_data["name"],
                password=form.cleaned_data["password1"],
                request=request,
            )
            login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            team = user.memberships.get().team
    except InvitationRefused as refused:  # used, revoked or expired meanwhile
        return _refused(request, refused)
    messages.success(
        request,
        f"Welcome to {team.name}. You sign in with {user.email} or the username "
        f"“{user.get_username()}”.",
    )
    return redirect("reviews:dashboard")


def _refused(request: HttpRequest, refused: InvitationRefused) -> HttpResponse:
    audit_record(
        action=TeamAction.INVITATION_REFUSED,
        request=request,
        data={"reason": refused.message[:200], "status": refused.status},
    )
    return render(
        request,
        "accounts/invitations/refused.html",
        {"message": refused.message},
        status=refused.status,
    )
