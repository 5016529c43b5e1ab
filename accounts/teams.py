"""Teams and memberships: create, rename, archive, change roles, remove members.

Every change is written to the audit log in the same transaction. Two rules hold whatever the
order of concurrent requests, because each change locks the team row first:

- a team never loses its last lead (demoting or removing the only lead is refused);
- the site never loses its last active admin through a role change here.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.audit_actions import TeamAction
from reviews import access
from reviews.models import GrantedRole, Membership, Role, Team

LAST_LEAD = "{name} is the last lead of {team}. Make someone else a lead first."
LAST_ADMIN = "{name} is the last administrator. Make someone else an administrator first."


def display_name(user) -> str:
    return user.get_full_name() or user.get_username()


def granted_role_of(membership: Membership) -> GrantedRole:
    """The role shown on the members page: admins (site-wide) show as Admin."""
    return GrantedRole.ADMIN if membership.user.is_staff else GrantedRole(membership.role)


def _locked_team(team: Team) -> Team:
    return Team.objects.select_for_update().get(pk=team.pk)


def _check_name(team: Team) -> None:
    team.name = " ".join(team.name.split())
    team.full_clean()


@transaction.atomic
def team_create(*, actor, name: str, request=None) -> Team:
    if not access.may_create_team(actor):
        raise PermissionDenied("Only administrators create teams.")
    team = Team(name=name)
    _check_name(team)
    team.save()
    audit_record(action=TeamAction.CREATED, actor=actor, request=request, target=team, team=team)
    return team


@transaction.atomic
def team_rename(*, actor, team: Team, name: str, request=None) -> Team:
    team = _locked_team(team)
    before = team.name
    team.name = name
    _check_name(team)
    if team.name == before:
        return team
    team.save(update_fields=["name"])
    audit_record(
        action=TeamAction.RENAMED,
        actor=actor,
        request=request,
        target=team,
        team=team,
        data={"before": before, "after": team.name},
    )
    return team


@transaction.atomic
def team_set_archived(*, actor, team: Team, archived: bool, request=None) -> Team:
    team = _locked_team(team)
    if team.is_archived == archived:
        return team
    team.archived_at = timezone.now() if archived else None
    team.save(update_fields=["archived_at"])
    audit_record(
        action=TeamAction.ARCHIVED if archived else TeamAction.RESTORED,
        actor=actor,
        request=request,
        target=team,
        team=team,
    )
    return team


def _other_leads(team: Team, membership: Membership) -> int:
    return team.memberships.filter(role=Role.LEAD).exclude(pk=membership.pk).count()


def _other_admins(user) -> int:
    return (
        get_user_model().objects.filter(is_staff=True, is_active=True).exclude(pk=user.pk).count()
    )


@transaction.atomic
def membership_add(*, team: Team, user, role: GrantedRole, actor=None, request=None) -> Membership:
    """Put ``user`` in ``team`` with ``role`` (an existing membership takes the new role)."""
    team = _locked_team(team)
    membership = Membership.objects.select_for_update().filter(
        team=team, user=user
    ).first() or Membership(team=team, user=user)
    created = membership.pk is None
    # An invitation never takes rights away: a lead invited as an architect stays a lead.
    if created or membership.role != Role.LEAD:
        membership.role = role.team_role
    membership.save()
    if role is GrantedRole.ADMIN and not user.is_staff:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    audit_record(
        action=TeamAction.MEMBER_ADDED if created else TeamAction.ROLE_CHANGED,
        actor=actor or user,
        request=request,
        target=membership,
        team=team,
        data={"user": user.get_username(), "role": role.value},
    )
    return membership


@transaction.atomic
def membership_set_role(
    *, actor, membership: Membership, role: GrantedRole, request=None
) -> Membership:
    team = _locked_team(membership.team)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    user = membership.user
    if not access.may_manage_member(actor, user) or not access.may_grant(actor, role):
        raise PermissionDenied("Only an administrator grants or changes the admin role.")
    before = granted_role_of(membership)
    if role == before:
        return membership
    if (
        membership.role == Role.LEAD
        and role.team_role != Role.LEAD
        and not _other_leads(team, membership)
    ):
        raise ValidationError(LAST_LEAD.format(name=display_name(user), team=team.name))
    if before is GrantedRole.ADMIN:
        if not _other_admins(user):
            raise ValidationError(LAST_ADMIN.format(name=display_name(user)))
        user.is_staff = user.is_superuser = False
        user.save(update_fields=["is_staff", "is_superuser"])
    elif role is GrantedRole.ADMIN:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    membership.role = role.team_role
    membership.save(update_fields=["role"])
    audit_record(
        action=TeamAction.ROLE_CHANGED,
        actor=actor,
        request=request,
        target=membership,
        team=team,
        data={"user": user.get_username(), "before": before.value, "after": role.value},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor, membership: Membership, request=None) -> None:
    team = _locked_team(membership.team)
    membership = Membership.objects.select_for_update().select_related("user").get(pk=membership.pk)
    user = membership.user
    if not access.may_manage_member(actor, user):
        raise PermissionDenied("Only an administrator removes an administrator from a team.")
    if membership.role == Role.LEAD and not _other_leads(team, membership):
        raise ValidationError(LAST_LEAD.format(name=display_name(user), team=team.name))
    audit_record(
        action=TeamAction.MEMBER_REMOVED,
        actor=actor,
        request=request,
        target=membership,
        team=team,
        data={"user": user.get_username(), "role": membership.role},
    )
    membership.delete()
