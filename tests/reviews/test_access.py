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
