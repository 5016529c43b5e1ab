"""The Django admin is branded as archreview and points to the app for everyday work."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import UserFactory


def test_admin_is_branded_and_sends_everyday_work_to_the_app(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert "<title>Question banks and repairs | archreview administration</title>" in html
    assert "Django administration" not in html
    assert "teams, members and invitations" in html


def test_team_and_member_changes_in_the_admin_are_audited(client, db):
    from accounts.audit_actions import TeamAction
    from accounts.models import AuditEvent
    from reviews.models import Membership, Team
    from tests.factories import TeamFactory

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    person = UserFactory()
    team = TeamFactory(name="Ops")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:reviews_team_change", args=[team.pk]),
        {
            "name": "Operations",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-user": person.pk,
            "memberships-0-role": "lead",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Team.objects.get().name == "Operations"
    membership = Membership.objects.get()
    client.post(reverse("admin:reviews_membership_delete", args=[membership.pk]), {"post": "yes"})
    assert not Membership.objects.exists()
    events = list(AuditEvent.objects.order_by("id"))
    assert [e.action for e in events] == [
        TeamAction.RENAMED,
        TeamAction.MEMBER_ADDED,
        TeamAction.MEMBER_REMOVED,
    ]
    assert all(e.data["via"] == "admin" and e.actor == admin_user for e in events)


def test_invitations_are_listed_read_only_in_the_admin(client, db):
    from accounts.invitations import invitation_create
    from reviews.models import GrantedRole
    from tests.factories import TeamFactory

    admin_user = UserFactory(is_staff=True, is_superuser=True)
    invitation, token = invitation_create(
        actor=admin_user, team=TeamFactory(), email="x@example.com", role=GrantedRole.LEAD
    )
    client.force_login(admin_user)
    listing = client.get(reverse("admin:accounts_invitation_changelist")).content.decode()
    assert "x@example.com" in listing
    page = client.get(reverse("admin:accounts_invitation_change", args=[invitation.pk]))
    assert page.status_code == 200
    assert invitation.token_hash not in page.content.decode() and token not in listing
