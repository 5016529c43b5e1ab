"""The one permission-aware fetch: one query, 404 for another team, 403 for a role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from reviews import access
from tests import factories


@pytest.mark.django_db
def test_workload_fetch_costs_one_query_refuses_other_teams_and_lets_leads_only_read(
    django_assert_num_queries,
):
    m = factories.MembershipFactory(role="lead")
    w = factories.WorkloadFactory(team=m.team)
    other = factories.MembershipFactory(role="architect").user
    with django_assert_num_queries(1):
        assert access.get_workload_or_404(m.user, w.pk).user_role == "lead"
    assert access.get_workload_or_404(m.user, w.pk, access.MILESTONE).pk == w.pk
    with pytest.raises(PermissionDenied):
        access.get_workload_or_404(m.user, w.pk, access.EDIT)
    with pytest.raises(Http404):
        access.get_workload_or_404(other, w.pk)
    with pytest.raises(Http404):
        access.get_workload_or_404(AnonymousUser(), w.pk)
    admin = factories.UserFactory(is_staff=True)
    assert access.get_workload_or_404(admin, w.pk, access.EDIT).user_role is None


@pytest.mark.django_db
def test_team_fetch_costs_one_query_hides_other_teams_and_keeps_members_to_leads(
    django_assert_num_queries,
):
    lead = factories.MembershipFactory(role="lead")
    architect = factories.MembershipFactory(role="architect", team=lead.team)
    outsider = factories.MembershipFactory(role="lead").user
    with django_assert_num_queries(1):
        assert access.get_team_or_404(lead.user, lead.team_id).user_role == "lead"
    assert access.get_team_or_404(lead.user, lead.team_id, access.TEAM_MEMBERS) == lead.team
    with pytest.raises(PermissionDenied):
        access.get_team_or_404(lead.user, lead.team_id, access.TEAM_ADMIN)
    assert access.get_team_or_404(architect.user, lead.team_id) == lead.team
    with pytest.raises(PermissionDenied):
        access.get_team_or_404(architect.user, lead.team_id, access.TEAM_MEMBERS)
    with pytest.raises(Http404):
        access.get_team_or_404(outsider, lead.team_id)
    with pytest.raises(Http404):
        access.get_team_or_404(AnonymousUser(), lead.team_id)
    admin = factories.UserFactory(is_staff=True)
    assert access.get_team_or_404(admin, lead.team_id, access.TEAM_ADMIN).user_role is None


@pytest.mark.django_db
def test_only_admins_grant_the_admin_role_or_touch_an_admins_membership():
    lead = factories.UserFactory()
    admin = factories.UserFactory(is_staff=True)
    assert access.may_grant(lead, "lead") and access.may_grant(lead, "architect")
    assert not access.may_grant(lead, "admin")
    assert access.may_grant(admin, "admin")
    assert not access.may_manage_member(lead, admin)
    assert access.may_manage_member(lead, factories.UserFactory())
    assert access.may_manage_member(admin, admin)
