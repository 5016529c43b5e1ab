import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from reviews import access
from tests import factories


@pytest.mark.django_db
def test_access(django_assert_num_queries):
    m = factories.MembershipFactory(role="lead")
    w = factories.WorkloadFactory(team=m.team)
    other = factories.MembershipFactory(role="architect").user
    with django_assert_num_queries(1):
        assert access.get_workload_or_404(m.user, w.pk).user_role == "lead"
    with pytest.raises(PermissionDenied):
        access.get_workload_or_404(m.user, w.pk, access.EDIT)
    with pytest.raises(Http404):
        access.get_workload_or_404(other, w.pk)
