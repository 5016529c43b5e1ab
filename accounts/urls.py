"""URLs of the accounts app (audit page; teams and people). Sign-in itself is allauth's, under
/accounts/."""

from __future__ import annotations

from django.urls import path

from accounts import invitation_views, team_views, views

app_name = "accounts"

urlpatterns = [
    # teams and members
    path("teams/", team_views.team_list, name="team_list"),
    path("teams/new/", team_views.team_new, name="team_new"),
    path("teams/<int:team_id>/", team_views.team_detail, name="team_detail"),
    path("teams/<int:team_id>/edit/", team_views.team_edit, name="team_edit"),
    path("teams/<int:team_id>/archive/", team_views.team_archive, name="team_archive"),
    path(
        "teams/<int:team_id>/members/<int:membership_id>/role/",
        team_views.member_role,
        name="member_role",
    ),
    path(
        "teams/<int:team_id>/members/<int:membership_id>/remove/",
        team_views.member_remove,
        name="member_remove",
    ),
    # invitations: sending side (team pages), then the link in the mail
    path("teams/<int:team_id>/invite/", team_views.team_invite, name="team_invite"),
    path(
        "teams/<int:team_id>/invitations/<int:invitation_id>/resend/",
        team_views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "teams/<int:team_id>/invitations/<int:invitation_id>/revoke/",
        team_views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(
        "invitations/<str:token>/",
        invitation_views.invitation_accept_view,
        name="invitation_accept",
    ),
    # audit
    path("audit/", views.audit_list, name="audit"),
    path("audit/export.csv", views.audit_csv, name="audit_csv"),
]
