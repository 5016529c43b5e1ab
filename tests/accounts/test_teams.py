"""Teams and people in the app: admins create, rename and archive teams; leads manage their
own team's members and roles; a team never loses its last lead; everything is audited."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.audit_actions import TeamAction
from accounts.models import AuditEvent
from reviews.models import Membership, Team
from tests import factories
from tests.accounts.helpers import invite, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


def role_url(m: Membership) -> str:
    return reverse("accounts:member_role", args=[m.team_id, m.pk])


def remove_url(m: Membership) -> str:
    return reverse("accounts:member_remove", args=[m.team_id, m.pk])


def test_an_admin_creates_a_team_and_is_led_to_invite_its_people(admin, client_for):
    response = client_for(admin).post(reverse("accounts:team_new"), {"name": "  Payments  Core "})
    team = Team.objects.get()
    assert team.name == "Payments Core"
    assert response["Location"] == reverse("accounts:team_invite", args=[team.pk])
    event = AuditEvent.objects.get()
    assert (event.action, event.actor, event.team) == (TeamAction.CREATED, admin, team)


def test_a_team_name_taken_in_another_case_is_refused(admin, client_for):
    factories.TeamFactory(name="Payments")
    response = client_for(admin).post(reverse("accounts:team_new"), {"name": "PAYMENTS"})
    assert response.status_code == 400
    assert "A team with this name exists already" in response.content.decode()
    assert Team.objects.count() == 1


def test_an_admin_renames_archives_and_restores_a_team(admin, client_for):
    team = factories.TeamFactory(name="Old")
    client = client_for(admin)
    client.post(reverse("accounts:team_edit", args=[team.pk]), {"name": "Zephyr"})
    client.post(reverse("accounts:team_archive", args=[team.pk]), {"archived": "1"})
    team.refresh_from_db()
    assert team.name == "Zephyr" and team.is_archived
    link = reverse("accounts:team_detail", args=[team.pk])
    assert link not in client.get(reverse("accounts:team_list")).content.decode()
    assert link in client.get(reverse("accounts:team_list") + "?archived=1").content.decode()
    invite_page = client.get(reverse("accounts:team_invite", args=[team.pk]))
    assert invite_page.status_code == 302 and "archived" in " ".join(messages_of(invite_page))
    client.post(reverse("accounts:team_archive", args=[team.pk]), {"archived": "0"})
    team.refresh_from_db()
    assert not team.is_archived
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)) == [
        TeamAction.RENAMED,
        TeamAction.ARCHIVED,
        TeamAction.RESTORED,
    ]


def test_the_team_page_lists_members_with_their_role(admin, client_for):
    lead = factories.MembershipFactory(role="lead", user__first_name="Lena")
    factories.MembershipFactory(team=lead.team, role="architect", user__first_name="Arno")
    factories.MembershipFactory(team=lead.team, role="lead", user=admin)
    invite(lead.team, by=lead.user, email="pending@example.com")
    page = client_for(lead.user).get(reverse("accounts:team_detail", args=[lead.team_id]))
    html = page.content.decode()
    assert "Lena" in html and "Arno" in html and "pending@example.com" in html
    assert '<option value="architect" selected>' in html
    # The admin's row shows the role in words, with no form for a lead to change it.
    assert re.search(r"<td>\s*Admin\s*</td>", html)
    assert role_url(Membership.objects.get(user=admin)) not in html


def test_an_architect_sees_the_team_but_no_management(client_for):
    architect = factories.MembershipFactory(role="architect")
    invite(architect.team, by=factories.UserFactory(is_staff=True), email="p@example.com")
    html = (
        client_for(architect.user)
        .get(reverse("accounts:team_detail", args=[architect.team_id]))
        .content.decode()
    )
    assert architect.user.username in html
    assert "p@example.com" not in html and "Invite people" not in html


def test_a_lead_changes_roles_and_removes_members(client_for):
    lead = factories.MembershipFactory(role="lead")
    other = factories.MembershipFactory(team=lead.team, role="architect")
    client = client_for(lead.user)
    client.post(role_url(other), {"role": "lead"})
    other.refresh_from_db()
    assert other.role == "lead"
    client.post(remove_url(other))
    assert not Membership.objects.filter(pk=other.pk).exists()
    events = AuditEvent.objects.order_by("id")
    assert [e.action for e in events] == [TeamAction.ROLE_CHANGED, TeamAction.MEMBER_REMOVED]
    assert events[0].data == {"user": other.user.username, "before": "architect", "after": "lead"}
    assert all(e.team_id == lead.team_id and e.actor == lead.user for e in events)


def test_a_team_never_loses_its_last_lead(admin, client_for):
    lead = factories.MembershipFactory(role="lead", user__first_name="Lena")
    for client in (client_for(lead.user), client_for(admin)):
        response = client.post(role_url(lead), {"role": "architect"})
        assert "Lena is the last lead of" in " ".join(messages_of(response))
        response = client.post(remove_url(lead))
        assert "Lena is the last lead of" in " ".join(messages_of(response))
    lead.refresh_from_db()
    assert lead.role == "lead"
    assert not AuditEvent.objects.exists()


def test_a_lead_cannot_touch_an_admin_or_grant_the_admin_role(admin, client_for):
    lead = factories.MembershipFactory(role="lead")
    architect = factories.MembershipFactory(team=lead.team, role="architect")
    admin_membership = factories.MembershipFactory(team=lead.team, user=admin, role="lead")
    client = client_for(lead.user)
    assert client.post(role_url(architect), {"role": "admin"}).status_code == 403
    assert client.post(role_url(admin_membership), {"role": "architect"}).status_code == 403
    assert client.post(remove_url(admin_membership)).status_code == 403
    architect.user.refresh_from_db()
    admin.refresh_from_db()
    assert not architect.user.is_staff and admin.is_staff
    assert Membership.objects.filter(pk=admin_membership.pk).exists()


def test_an_admin_grants_the_admin_role_but_never_takes_away_the_last_one(admin, client_for):
    member = factories.MembershipFactory(role="architect")
    client = client_for(admin)
    client.post(role_url(member), {"role": "admin"})
    member.user.refresh_from_db()
    member.refresh_from_db()
    assert member.user.is_staff and member.user.is_superuser and member.role == "lead"
    own = factories.MembershipFactory(team=member.team, user=admin, role="lead")
    client.post(role_url(member), {"role": "lead"})  # admin -> lead: rights go
    member.user.refresh_from_db()
    assert not member.user.is_staff
    response = client.post(role_url(own), {"role": "lead"})
    assert "root is the last administrator" in " ".join(messages_of(response))
    admin.refresh_from_db()
    assert admin.is_staff


def test_an_unknown_role_changes_nothing(client_for):
    lead = factories.MembershipFactory(role="lead")
    other = factories.MembershipFactory(team=lead.team, role="architect")
    response = client_for(lead.user).post(role_url(other), {"role": "owner"})
    assert "Choose one of the roles offered" in " ".join(messages_of(response))
    other.refresh_from_db()
    assert other.role == "architect"


@pytest.mark.parametrize("size", [2, 20])
def test_team_pages_run_a_fixed_number_of_queries(
    size, admin, client_for, django_assert_num_queries
):
    lead = factories.MembershipFactory(role="lead")
    factories.MembershipFactory.create_batch(size, team=lead.team)
    for i in range(size):
        invite(lead.team, by=lead.user, email=f"p{i}@example.com")
        factories.MembershipFactory(team=factories.TeamFactory())
    client = client_for(lead.user)
    # session, user, team with role, members with users, pending invitations, workload count
    with django_assert_num_queries(6):
        assert client.get(reverse("accounts:team_detail", args=[lead.team_id])).status_code == 200
    # session, user, teams with their counts
    with django_assert_num_queries(3):
        assert client.get(reverse("accounts:team_list")).status_code == 200
    admin_client = client_for(admin)
    with django_assert_num_queries(3):
        assert admin_client.get(reverse("accounts:team_list")).status_code == 200


def test_team_forms_run_a_fixed_number_of_queries(admin, client_for, django_assert_num_queries):
    team = factories.TeamFactory()
    client = client_for(admin)
    # session, user
    with django_assert_num_queries(2):
        assert client.get(reverse("accounts:team_new")).status_code == 200
    # session, user, team
    with django_assert_num_queries(3):
        assert client.get(reverse("accounts:team_edit", args=[team.pk])).status_code == 200


def test_a_lead_who_leaves_the_team_is_sent_to_the_team_list(client_for):
    lead = factories.MembershipFactory(role="lead")
    factories.MembershipFactory(team=lead.team, role="lead")
    response = client_for(lead.user).post(remove_url(lead))
    assert response["Location"] == reverse("accounts:team_list")
    assert not Membership.objects.filter(pk=lead.pk).exists()
