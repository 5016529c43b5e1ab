"""Invitations by e-mail: sent through a real SMTP server, a link that works once, for 7
days, until revoked, only for the invited address; the token is stored hashed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.audit_actions import TeamAction
from accounts.invitations import invitation_resend, token_hash
from accounts.models import AuditEvent, Invitation
from reviews.models import Membership, Team
from tests import factories
from tests.accounts.helpers import accept_url, invite, messages_of, new_account
from tests.smtp import body_of, links_in

pytestmark = pytest.mark.django_db
User = get_user_model()


@pytest.fixture
def lead():
    return factories.MembershipFactory(role="lead", user__first_name="Lena", user__last_name="Lead")


def test_a_lead_invites_by_mail_and_the_invitee_sets_a_password_and_lands_in_the_team(
    lead, client_for, client, smtp_server
):
    invite_url = reverse("accounts:team_invite", args=[lead.team_id])
    response = client_for(lead.user).post(
        invite_url, {"email": " Nora@Example.com ", "role": "architect"}
    )
    assert response.status_code == 302
    assert "Invitation sent to nora@example.com as architect" in " ".join(messages_of(response))

    mail = smtp_server.mail_to("nora@example.com")
    assert mail["Subject"] == f"You are invited to join {lead.team.name} on archreview"
    assert "Lena Lead invites you" in body_of(mail)
    [link] = links_in(mail)
    token = link.rsplit("/", 2)[-2]
    assert link.endswith(accept_url(token))

    page = client.get(accept_url(token))
    assert page.status_code == 200
    assert f"Join {lead.team.name}" in page.content.decode()
    response = client.post(accept_url(token), new_account(name="  Nora   Newcomer "))
    assert response.status_code == 302 and response["Location"] == reverse("reviews:dashboard")

    user = User.objects.get(email="nora@example.com")
    assert (user.first_name, user.last_name, user.username) == ("Nora", "Newcomer", "nora")
    assert user.check_password("plum-orbit-lantern-7")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert Membership.objects.get(user=user).role == "architect"
    invitation = Invitation.objects.get()
    assert invitation.accepted_by == user and invitation.status == "accepted"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == [
        TeamAction.INVITATION_CREATED,
        TeamAction.MEMBER_ADDED,
        TeamAction.INVITATION_ACCEPTED,
    ]
    dashboard = client.get(reverse("reviews:dashboard")).content.decode()
    assert "Welcome to" in dashboard and "No workloads yet" in dashboard


def test_only_the_hash_of_a_token_is_stored(lead):
    invitation, token = invite(lead.team, by=lead.user)
    assert invitation.token_hash == token_hash(token) != token
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM accounts_invitation")
        assert not any(token in str(value) for value in cursor.fetchone())


def test_a_link_works_once(lead, client):
    _, token = invite(lead.team, by=lead.user)
    assert client.post(accept_url(token), new_account()).status_code == 302
    client.logout()
    again = client.post(accept_url(token), new_account(name="Someone Else"))
    assert again.status_code == 410
    assert "has been used already" in again.content.decode()
    assert User.objects.filter(email="new.person@example.com").count() == 1


def test_an_expired_link_is_refused_and_names_who_can_send_it_again(lead, client):
    invitation, token = invite(lead.team, by=lead.user)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    for response in (client.get(accept_url(token)), client.post(accept_url(token), new_account())):
        assert response.status_code == 410
        assert "This invitation expired" in response.content.decode()
        assert "Ask Lena Lead to send it again" in response.content.decode()
    assert not User.objects.filter(email="new.person@example.com").exists()
    assert AuditEvent.objects.filter(action=TeamAction.INVITATION_REFUSED).count() == 2


def test_an_invitation_expires_after_seven_days(lead):
    before = timezone.now()
    invitation, _ = invite(lead.team, by=lead.user)
    assert before + timedelta(days=7) <= invitation.expires_at <= timezone.now() + timedelta(days=7)


def test_a_revoked_link_is_refused(lead, client_for, client):
    invitation, token = invite(lead.team, by=lead.user)
    revoke = reverse("accounts:invitation_revoke", args=[lead.team_id, invitation.pk])
    assert client_for(lead.user).post(revoke).status_code == 302
    response = client.post(accept_url(token), new_account())
    assert response.status_code == 410
    assert "This invitation was withdrawn" in response.content.decode()
    assert not User.objects.filter(email="new.person@example.com").exists()
    assert AuditEvent.objects.filter(action=TeamAction.INVITATION_REVOKED).exists()


def test_resending_sends_a_new_link_and_the_old_one_stops_working(
    lead, client_for, client, smtp_server
):
    invitation, old_token = invite(lead.team, by=lead.user)
    resend = reverse("accounts:invitation_resend", args=[lead.team_id, invitation.pk])
    assert client_for(lead.user).post(resend).status_code == 302
    [link] = links_in(smtp_server.mail_to("new.person@example.com"))
    assert client.get(accept_url(old_token)).status_code == 404
    assert client.get(link).status_code == 200


def test_resending_an_expired_invitation_gives_it_seven_more_days(lead, client):
    invitation, _ = invite(lead.team, by=lead.user)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    token = invitation_resend(actor=lead.user, invitation=invitation)
    assert client.get(accept_url(token)).status_code == 200


def test_a_different_signed_in_address_is_refused(lead, client_for):
    _, token = invite(lead.team, by=lead.user)
    someone = factories.UserFactory(email="someone@example.com")
    client = client_for(someone)
    for response in (client.get(accept_url(token)), client.post(accept_url(token))):
        assert response.status_code == 403
        assert "This invitation is for new.person@example.com" in response.content.decode()
    assert not Membership.objects.filter(user=someone).exists()
    assert Invitation.objects.get().status == "pending"


def test_the_owner_of_an_existing_account_signs_in_then_joins(lead, client, client_for):
    invitation, token = invite(lead.team, by=lead.user, email="Ada@example.com", role="lead")
    ada = factories.UserFactory(username="ada", email="ADA@example.com")
    page = client.get(accept_url(token)).content.decode()
    assert "Sign in to accept" in page and "password1" not in page
    response = client.post(accept_url(token), new_account())
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert User.objects.filter(email__iexact="ada@example.com").count() == 1

    response = client_for(ada).post(accept_url(token))
    assert response.status_code == 302
    assert Membership.objects.get(user=ada, team=lead.team).role == "lead"


def test_an_unknown_link_is_not_found(client, db):
    response = client.get(accept_url("not-a-token"))
    assert response.status_code == 404
    assert "This invitation link is not valid" in response.content.decode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (new_account(password1="12345678"), "This password is entirely numeric"),
        (new_account(password1="short"), "This password is too short"),
        (new_account(password2="something-else-entirely"), "The two passwords differ"),
        (new_account(name="   "), "This field is required"),
    ],
)
def test_a_bad_name_or_password_is_refused_and_nothing_is_written(lead, client, data, message):
    _, token = invite(lead.team, by=lead.user)
    response = client.post(accept_url(token), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not User.objects.filter(email="new.person@example.com").exists()
    assert Invitation.objects.get().status == "pending"


def test_inviting_a_member_or_an_address_with_a_pending_invitation_is_refused(
    lead, client_for, smtp_server
):
    member = factories.MembershipFactory(team=lead.team, user__email="member@example.com")
    invite(lead.team, by=lead.user, email="pending@example.com")
    client = client_for(lead.user)
    url = reverse("accounts:team_invite", args=[lead.team_id])
    for email, message in [
        (member.user.email.upper(), "is a member of"),
        ("Pending@example.com", "has a pending invitation already"),
    ]:
        response = client.post(url, {"email": email, "role": "architect"})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert Invitation.objects.count() == 1
    assert not smtp_server.messages


def test_a_mail_server_that_cannot_be_reached_keeps_the_invitation_and_says_so(
    lead, client_for, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 5
    response = client_for(lead.user).post(
        reverse("accounts:team_invite", args=[lead.team_id]),
        {"email": "nora@example.com", "role": "architect"},
    )
    assert response.status_code == 302
    assert "the mail could not be sent" in " ".join(messages_of(response))
    assert Invitation.objects.get().status == "pending"


def test_a_lead_cannot_invite_an_administrator(lead, client_for):
    url = reverse("accounts:team_invite", args=[lead.team_id])
    client = client_for(lead.user)
    assert '<option value="admin"' not in client.get(url).content.decode()
    response = client.post(url, {"email": "boss@example.com", "role": "admin"})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_an_admin_invites_an_administrator_who_joins_as_lead(client_for, client):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    team = factories.TeamFactory()
    _, token = invite(team, by=admin, email="boss@example.com", role="admin")
    assert client.post(accept_url(token), new_account()).status_code == 302
    boss = User.objects.get(email="boss@example.com")
    assert boss.is_staff and boss.is_superuser
    assert Membership.objects.get(user=boss).role == "lead"


def test_invite_and_accept_pages_run_a_fixed_number_of_queries(
    lead, client_for, client, django_assert_num_queries
):
    factories.MembershipFactory.create_batch(5, team=lead.team)
    lead_client = client_for(lead.user)
    # session, user, team with the lead's role
    with django_assert_num_queries(3):
        assert (
            lead_client.get(reverse("accounts:team_invite", args=[lead.team_id])).status_code == 200
        )
    _, token = invite(lead.team, by=lead.user)
    # the invitation with its team and inviter, the account with that address
    with django_assert_num_queries(2):
        assert client.get(accept_url(token)).status_code == 200


def test_an_invitation_to_a_team_archived_since_is_refused(lead, client):
    _, token = invite(lead.team, by=lead.user)
    Team.objects.filter(pk=lead.team_id).update(archived_at=timezone.now())
    response = client.post(accept_url(token), new_account())
    assert response.status_code == 410
    assert "was archived and takes no new members" in response.content.decode()
    assert not User.objects.filter(email="new.person@example.com").exists()


def test_accepting_never_demotes_a_lead(lead, client_for):
    architect_invite, token = invite(lead.team, by=lead.user, email="lena@example.com")
    lead.user.email = "lena@example.com"
    lead.user.save()
    assert client_for(lead.user).post(accept_url(token)).status_code == 302
    lead.refresh_from_db()
    assert lead.role == "lead"


def test_refused_and_signed_in_accept_pages_run_a_fixed_number_of_queries(
    lead, client, client_for, django_assert_num_queries
):
    invitation, token = invite(lead.team, by=lead.user, email="lena@example.com")
    # the invitation (none), the audit event
    with django_assert_num_queries(2):
        assert client.get(accept_url("unknown")).status_code == 404
    someone = client_for(factories.UserFactory(email="lena@example.com"))
    # session, user, the invitation with its team and inviter
    with django_assert_num_queries(3):
        assert someone.get(accept_url(token)).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_link_used_twice_at_once_creates_one_account():
    """Two people submit the same link at the same moment: the row lock lets one through; the
    other is told the link was used."""
    import threading

    from django.db import connections

    from accounts.invitations import InvitationRefused, invitation_accept_new_user

    lead = factories.MembershipFactory(role="lead")
    _, token = invite(lead.team, by=lead.user)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(name: str) -> None:
        try:
            barrier.wait(timeout=10)
            invitation_accept_new_user(token=token, name=name, password="plum-orbit-lantern-7")
            outcomes.append("joined")
        except InvitationRefused as refused:
            outcomes.append(refused.message)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(n,)) for n in ("One", "Two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == [
        "This invitation has been used already. Sign in with the account it created.",
        "joined",
    ]
    assert User.objects.filter(email="new.person@example.com").count() == 1
    assert Membership.objects.filter(team=lead.team).count() == 2


def test_has_open_invitation_answers_for_usable_invitations_only(lead):
    from accounts.invitations import has_open_invitation, invitation_revoke

    assert not has_open_invitation("new.person@example.com")
    invitation, _ = invite(lead.team, by=lead.user)
    assert has_open_invitation(" New.Person@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    assert not has_open_invitation("new.person@example.com")
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() + timedelta(days=1)
    )
    invitation_revoke(actor=lead.user, invitation=invitation)
    assert not has_open_invitation("new.person@example.com")
