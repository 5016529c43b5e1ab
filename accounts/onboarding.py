"""What to do next when a page has nothing to show: the first-run steps for an administrator,
and for everyone else who can take the next step (by name).

Called only when a page is empty, so a full page pays nothing for it; each branch runs a fixed
number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.models import Invitation
from reviews.models import Membership, Role, Team, Workload


@dataclass(frozen=True)
class Step:
    title: str
    done: bool
    url: str | None = None
    action: str = ""


@dataclass(frozen=True)
class NextSteps:
    """``kind``: ``setup`` (admin, numbered steps), ``no_team`` (ask an admin), ``architect``
    (create the first workload), ``lead`` (ask the team's architects, or invite some)."""

    kind: str
    steps: list[Step] = field(default_factory=list)
    people: list[str] = field(default_factory=list)  # who can take the next step
    team: Team | None = None


def _names(users) -> list[str]:
    return [
        f"{u.get_full_name()} ({u.email})"
        if u.get_full_name() and u.email
        else (u.get_full_name() or u.email or u.get_username())
        for u in users
    ]


def next_steps(user) -> NextSteps:
    if user.is_staff:
        return _setup_steps()
    teams = list(
        Team.objects.active().filter(memberships__user=user).values_list("pk", "memberships__role")
    )
    if not teams:
        admins = (
            get_user_model()
            .objects.filter(is_staff=True, is_active=True)
            .order_by("first_name", "last_name", "username")
        )
        return NextSteps(kind="no_team", people=_names(admins))
    if any(role == Role.ARCHITECT for _, role in teams):
        return NextSteps(kind="architect")
    team_ids = [pk for pk, _ in teams]
    architects = (
        get_user_model()
        .objects.filter(memberships__team__in=team_ids, memberships__role=Role.ARCHITECT)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return NextSteps(kind="lead", people=_names(architects), team=Team.objects.get(pk=team_ids[0]))


def _setup_steps() -> NextSteps:
    team = Team.objects.active().order_by("created_at", "pk").first()
    has_people = team is not None and (
        Membership.objects.exists() or Invitation.objects.pending().exists()
    )
    has_workload = Workload.objects.active().exists()
    steps = [
        Step(
            "Create the first team",
            team is not None,
            reverse("accounts:team_new"),
            "Create a team",
        ),
        Step(
            "Invite its people: a lead and architects",
            has_people,
            reverse("accounts:team_invite", args=[team.pk]) if team else None,
            "Invite people",
        ),
        Step(
            "Create the first workload",
            has_workload,
            reverse("reviews:workload_new") if team else None,
            "Create a workload",
        ),
    ]
    return NextSteps(kind="setup", steps=steps, team=team)
