"""First run and empty states: each names the next step and who can take it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories
from tests.accounts.helpers import invite

pytestmark = pytest.mark.django_db
DASHBOARD = "/"


def test_a_fresh_admin_is_led_through_team_invitations_and_first_workload(
    client_for, rel_bank, django_assert_num_queries
):
    admin = factories.UserFactory(is_staff=True, is_superuser=True)
    client = client_for(admin)
    # session, user, workloads (none), lenses (search form), first team, workloads exist
    with django_assert_num_queries(7):
        html = client.get(DASHBOARD).content.decode()
    assert "Set up archreview" in html
    assert f'href="{reverse("accounts:team_new")}"' in html
    # Before the first team, "New workload" says why it cannot be filled in yet.
    form = client.get(reverse("reviews:workload_new"))
    assert form.status_code == 200
    assert "there is no team yet" in form.content.decode()
    assert 'name="team"' not in form.content.decode()

    team = factories.TeamFactory(name="Platform")
    html = client.get(DASHBOARD).content.decode()
    assert f'href="{reverse("accounts:team_invite", args=[team.pk])}"' in html
    invite(team, by=admin)
    html = client.get(DASHBOARD).content.decode()
    assert html.count("Done") == 2
    assert f'href="{reverse("reviews:workload_new")}"' in html
    assert 'name="team"' in client.get(reverse("reviews:workload_new")).content.decode()


def test_an_architect_without_a_team_is_told_which_admins_to_ask(
    client_for, django_assert_num_queries
):
    factories.UserFactory(is_staff=True, first_name="Ada", last_name="Admin", email="ada@x.org")
    factories.UserFactory(is_staff=True, is_active=False, first_name="Gone")
    loner = factories.UserFactory()
    client = client_for(loner)
    # session, user, teams with workloads (none, so no workload query), lenses (search form),
    # the user's teams, the admins
    with django_assert_num_queries(6):
        html = client.get(DASHBOARD).content.decode()
    assert "You are not in a team yet" in html
    assert "Ada Admin (ada@x.org)" in html and "Gone" not in html
    assert "Ada Admin" in client.get(reverse("reviews:workload_list")).content.decode()
    assert "Ada Admin" in client.get(reverse("accounts:team_list")).content.decode()


def test_a_lead_without_workloads_is_told_which_architects_create_them(client_for):
    lead = factories.MembershipFactory(role="lead")
    factories.MembershipFactory(team=lead.team, role="architect", user__first_name="Arno")
    html = client_for(lead.user).get(DASHBOARD).content.decode()
    assert "Architects of your team create workloads: Arno" in html
    assert reverse("accounts:team_invite", args=[lead.team_id]) in html


def test_an_architect_without_workloads_is_asked_to_create_the_first(client_for):
    architect = factories.MembershipFactory(role="architect").user
    html = client_for(architect).get(DASHBOARD).content.decode()
    assert "Create the first workload" in html
