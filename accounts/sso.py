"""What happens to a user that single sign-on creates."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from reviews.models import Membership, Role, Team


@transaction.atomic
def join_default_team(user) -> Membership | None:
    """Put a new SSO user in OIDC_DEFAULT_TEAM with OIDC_DEFAULT_ROLE, when both are set and
    the team exists; otherwise the user starts without a team (an admin adds them)."""
    if not settings.OIDC_DEFAULT_TEAM:
        return None
    team = Team.objects.filter(name=settings.OIDC_DEFAULT_TEAM).first()
    if team is None:
        return None
    role = (
        settings.OIDC_DEFAULT_ROLE if settings.OIDC_DEFAULT_ROLE in Role.values else Role.ARCHITECT
    )
    membership, _ = Membership.objects.get_or_create(user=user, team=team, defaults={"role": role})
    return membership
