"""Team pages: list, create, rename, archive; members and their roles; invitations.

Every view fetches the team through ``reviews.access.get_team_or_404`` (404 for a team the user
is not in, 403 for a role that may not act) before it looks at the method, so a 405 never tells
an outsider that a team exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render

from accounts import invitations as invitation_services
from accounts.models import Invitation
from accounts.onboarding import next_steps
from accounts.team_forms import InviteForm, RoleForm, TeamForm, role_choices
from accounts.teams import (
    granted_role_of,
    membership_remove,
    membership_set_role,
    team_create,
    team_rename,
    team_set_archived,
)
from reviews import access
from reviews.models import GrantedRole, Membership, Team, Workload


# --- teams ------------------------------------------------------------------------------------
@login_required
def team_list(request: HttpRequest) -> HttpResponse:
    show_archived = request.GET.get("archived") == "1"
    teams = access.teams_visible_to(request.user)
    if not show_archived:
        teams = teams.active()
    members = (
        Membership.objects.filter(team=OuterRef("pk"))
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    workloads = (
        Workload.objects.filter(team=OuterRef("pk"), archived_at__isnull=True)
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    pending = (
        Invitation.objects.pending()
        .filter(team=OuterRef("pk"))
        .order_by()
        .values("team")
        .annotate(n=Count("pk"))
        .values("n")
    )
    teams = list(
        teams.annotate(
            member_count=Coalesce(Subquery(members), 0),
            workload_count=Coalesce(Subquery(workloads), 0),
            invitation_count=Coalesce(Subquery(pending), 0),
        ).order_by("name")
    )
    return render(
        request,
        "accounts/teams/list.html",
        {
            "teams": teams,
            "show_archived": show_archived,
            "can_create": access.may_create_team(request.user),
            "next_steps": None if teams or show_archived else next_steps(request.user),
            "nav": "teams",
        },
    )


@login_required
def team_new(request: HttpRequest) -> HttpResponse:
    if not access.may_create_team(request.user):
        raise PermissionDenied("Only administrators create teams.")
    form = TeamForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            team = team_create(actor=request.user, name=form.cleaned_data["name"], request=request)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Team “{team.name}” created. Next: invite its people.")
            return redirect("accounts:team_invite", team_id=team.pk)
    return render(
        request,
        "accounts/teams/form.html",
        {"form": form, "creating": True, "nav": "teams"},
        status=400 if form.errors else 200,
    )


@login_required
def team_detail(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, team_id, access.TEAM_VIEW)
    return render(request, "accounts/teams/detail.html", _detail_context(request, team))


def _detail_context(request: HttpRequest, team: Team) -> dict:
    user = request.user
    can_manage = user.is_staff or team.user_role in access._ROLES_FOR[access.TEAM_MEMBERS]
    memberships = list(
        Membership.objects.filter(team=team)
        .select_related("user")
        .order_by("role", "user__first_name", "user__last_name", "user__username")
    )
    choices = role_choices(user)
    rows = []
    for m in memberships:
        role = granted_role_of(m)
        rows.append(
            {
                "membership": m,
                "role": role,
                "editable": can_manage and access.may_manage_member(user, m.user),
                "choices": choices,
            }
        )
    # Leads first, then architects; admins among the leads.
    rows.sort(key=lambda r: r["membership"].role != "lead")
    invitations = []
    if can_manage:
        invitations = list(
            Invitation.objects.pending().filter(team=team).select_related("invited_by")
        )
    return {
        "team": team,
        "rows": rows,
        "lead_count": sum(m.role == "lead" for m in memberships),
        "invitations": invitations,
        "can_manage": can_manage,
        "can_admin": user.is_staff,
        "workload_count": Workload.objects.filter(team=team).active().count(),
        "nav": "teams",
    }


@login_required
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, team_id, access.TEAM_ADMIN)
    form = TeamForm(
        request.POST if request.method == "POST" else None, instance=Team(name=team.name)
    )
    if request.method == "POST" and form.is_valid():
        try:
            team = team_rename(
                actor=request.user, team=team, name=form.cleaned_data["name"], request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Team renamed to “{team.name}”.")
            return redirect("accounts:team_detail", team_id=team.pk)
    return render(
        request,
        "accounts/teams/form.html",
        {"form": form, "team": team, "creating": False, "nav": "teams"},
        status=400 if form.errors else 200,
    )


@login_required
def team_archive(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, team_id, access.TEAM_ADMIN)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    archived = request.POST.get("archived") != "0"
    team = team_set_archived(actor=request.user, team=team, archived=archived, request=request)
    if archived:
        messages.success(
            request,
            f"Team “{team.name}” archived: it takes no new workloads or people. "
            "Its workloads stay readable.",
        )
    else:
        messages.success(request, f"Team “{team.name}” restored.")
    return redirect("accounts:team_detail", team_id=team.pk)


# --- members ----------------------------------------------------------------------------------
def _membership(team: Team, membership_id: int) -> Membership:
    return get_object_or_404(
        Membership.objects.select_related("user", "team"), pk=membership_id, team=team
    )


@login_required
def member_role(request: HttpRequest, team_id: int, membership_id: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, team_id, access.TEAM_MEMBERS)
    membership = _membership(team, membership_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles offered.")
        return redirect("accounts:team_detail", team_id=team.pk)
    role = GrantedRole(form.cleaned_data["role"])
    try:
        membership_set_role(actor=request.user, membership=membership, role=role, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        name = membership.user.get_full_name() or membership.user.get_username()
        messages.success(request, f"{name} is now {role.label.lower()} in {team.name}.")
    return redirect("accounts:team_detail", team_id=team.pk)


@login_required
def member_remove(request: HttpRequest, team_id: int, membership_id: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, team_id, access.TEAM_MEMBERS)
    membership = _membership(team, membership_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    name = membership.user.get_full_name() or membership.user.get_username()
    try:
        membership_remove(actor=request.user, membership=membership, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{name} was removed from {team.name}.")
        if membership.user_id == request.user.pk and not request.user.is_staff:
            return redirect("accounts:team_list")  # the team page is theirs no more
    return redirect("accounts:team_detail", team_id=team.pk)


# --- invitations (the inviting side) ----------------------------------------------------------
@login_required
def team_invite(request: HttpRequest, team_id: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, team_id, access.TEAM_MEMBERS)
    form = InviteForm(request.POST if request.method == "POST" else None, actor=request.user)
    if team.is_archived:
        messages.error(request, "This team is archived: restore it before inviting people.")
        return redirect("accounts:team_detail", team_id=team.pk)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = invitation_services.invitation_create(
                actor=request.user,
                team=team,
                email=form.cleaned_data["email"],
                role=GrantedRole(form.cleaned_data["role"]),
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _report_sending(request, invitation, token)
            if "another" in request.POST:
                return redirect("accounts:team_invite", team_id=team.pk)
            return redirect("accounts:team_detail", team_id=team.pk)
    return render(
        request,
        "accounts/teams/invite.html",
        {"form": form, "team": team, "nav": "teams"},
        status=400 if form.errors else 200,
    )


def _report_sending(request: HttpRequest, invitation: Invitation, token: str) -> None:
    sent = invitation_services.invitation_send_mail(
        invitation=invitation, token=token, request=request
    )
    if sent:
        messages.success(
            request,
            f"Invitation sent to {invitation.email} as {invitation.get_role_display().lower()}. "
            f"The link works once, for {invitation_services.INVITATION_LIFETIME.days} days.",
        )
    else:
        messages.warning(
            request,
            f"The invitation for {invitation.email} is saved, but the mail could not be sent. "
            "Check the mail settings (EMAIL_* in the README), then use Resend.",
        )


def _invitation(team: Team, invitation_id: int) -> Invitation:
    return get_object_or_404(Invitation.objects.select_related("team"), pk=invitation_id, team=team)


@login_required
def invitation_resend(request: HttpRequest, team_id: int, invitation_id: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, team_id, access.TEAM_MEMBERS)
    invitation = _invitation(team, invitation_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        token = invitation_services.invitation_resend(
            actor=request.user, invitation=invitation, request=request
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        invitation.refresh_from_db()
        _report_sending(request, invitation, token)
    return redirect("accounts:team_detail", team_id=team.pk)


@login_required
def invitation_revoke(request: HttpRequest, team_id: int, invitation_id: int) -> HttpResponse:
    team = access.get_team_or_404(request.user, team_id, access.TEAM_MEMBERS)
    invitation = _invitation(team, invitation_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    invitation_services.invitation_revoke(
        actor=request.user, invitation=invitation, request=request
    )
    messages.success(
        request, f"The invitation for {invitation.email} was revoked; its link no longer works."
    )
    return redirect("accounts:team_detail", team_id=team.pk)
