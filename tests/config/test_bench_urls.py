"""The benchmark's bare reference views are served by its own URLconf only, never the product's,
and do what their names say (the HTTP benchmark's ratios are only as good as its references)."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import Resolver404, resolve, reverse

from reviews.models import Answer
from tests import factories

BARE = ["/__bench__/update/1/", "/__bench__/select/1/"]


@pytest.mark.parametrize("path", BARE)
def test_the_product_never_serves_the_reference_views(path):
    with pytest.raises(Resolver404):
        resolve(path)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="bench.urls")
def test_the_bench_urlconf_adds_them_to_the_products(
    rel_bank, client_for, django_assert_num_queries
):
    assert reverse("reviews:dashboard") == "/"
    membership = factories.MembershipFactory(role="architect")
    workload = factories.WorkloadFactory(team=membership.team, lens_version=rel_bank)
    answer = Answer.objects.create(
        lens_review=factories.lens_review_of(workload),
        question=rel_bank.pillars.first().questions.first(),
        selected=[],
    )
    before = answer.version
    client = client_for(membership.user)
    # session, user and the one statement
    with django_assert_num_queries(3):
        response = client.post(f"/__bench__/update/{answer.pk}/", {"notes": "bare"})
    assert response.status_code == 200
    answer.refresh_from_db()
    assert (answer.notes, answer.version) == ("bare", before + 1)
    with django_assert_num_queries(3):
        response = client.get(f"/__bench__/select/{workload.pk}/")
    assert response.status_code == 200 and workload.name in response.content.decode()
    assert client.post(f"/__bench__/update/{answer.pk + 1000}/").status_code == 404
