"""The API tokens page: a user's own tokens, created (shown once) and revoked there."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from api.forms import TokenForm
from api.models import ApiToken
from api.services import token_create, token_revoke


@login_required
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST if request.method == "POST" else None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            row, created = token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=form.expires_at(),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            form = TokenForm()
    tokens = list(ApiToken.objects.filter(user=request.user))
    response = render(
        request,
        "api/tokens.html",
        {"form": form, "tokens": tokens, "created": created, "nav": "tokens"},
        status=400 if form.is_bound and form.errors else 200,
    )
    if created:
        # The one page that ever shows the token: keep it out of every cache.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        token = ApiToken.objects.get(pk=pk, user=request.user)
    except ApiToken.DoesNotExist:
        raise Http404("No such token") from None
    token_revoke(token=token, request=request)
    messages.success(request, f"Token “{token.name}” revoked. Requests with it now get 401.")
    return redirect("api_tokens:list")
