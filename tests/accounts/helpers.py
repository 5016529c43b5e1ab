"""Shared steps of the team and invitation tests."""

from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.invitations import invitation_create
from reviews.models import GrantedRole


def invite(team, *, by, email="new.person@example.com", role=GrantedRole.ARCHITECT):
    """An invitation made through the service; returns (invitation, token)."""
    return invitation_create(actor=by, team=team, email=email, role=GrantedRole(role))


def accept_url(token: str) -> str:
    return reverse("accounts:invitation_accept", args=[token])


def new_account(**overrides) -> dict[str, str]:
    data = {"name": "Nora Newcomer", "password1": "plum-orbit-lantern-7", "password2": ""}
    data.update(overrides)
    if not data["password2"]:
        data["password2"] = data["password1"]
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]
