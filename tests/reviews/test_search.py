"""Search and filters on the workload list and the dashboard: the right workloads, never
another team's, kept in the URL, in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from questions.models import Lens, Question
from reviews.models import Answer
from tests import factories

pytestmark = pytest.mark.django_db

LIST = reverse("reviews:workload_list")
DASHBOARD = reverse("reviews:dashboard")


def _names(response) -> list[str]:
    if "rows" in response.context:
        return sorted(w.name for w in response.context["rows"])
    return sorted(r.workload.name for r in response.context["page"].object_list)


@pytest.fixture
def world():
    """Two teams on two lenses; the member sees only Payments' workloads."""
    lens_a = factories.make_bank(questions=2)
    lens_b = factories.make_bank(questions=2)
    payments = factories.TeamFactory(name="Payments")
    other = factories.TeamFactory(name="Logistics")
    member = factories.MembershipFactory(team=payments, role="lead").user
    w = {
        "checkout": factories.WorkloadFactory(
            team=payments,
            name="Checkout",
            description="Card payments for the shop",
            owner="Grace Hopper",
            lens_version=lens_a,
        ),
        "ledger": factories.WorkloadFactory(
            team=payments,
            name="Ledger",
            description="Bookkeeping",
            review_owner="Ada Lovelace",
            lens_version=lens_b,
        ),
        "fresh": factories.WorkloadFactory(
            team=payments, name="Fresh", description="Nothing answered", lens_version=lens_a
        ),
        # Another team's workload that matches every search below: never shown.
        "secret": factories.WorkloadFactory(
            team=other,
            name="Checkout secret",
            description="Card payments Bookkeeping Hopper Lovelace Payments",
            owner="Grace Hopper",
            review_owner="Ada Lovelace",
            lens_version=lens_a,
        ),
    }
    # Checkout: every question answered, a high practice missed in each (high risks).
    # Ledger: one question answered, every practice followed (no risk yet).
    for question in Question.objects.filter(pillar__version=lens_a):
        Answer.objects.create(
            lens_review=factories.lens_review_of(w["checkout"]),
            question=question,
            selected=[f"{question.ref}_c1"],
        )
    first_b = Question.objects.filter(pillar__version=lens_b).order_by("order").first()
    Answer.objects.create(
        lens_review=factories.lens_review_of(w["ledger"]),
        question=first_b,
        selected=[c.ref for c in first_b.choices.filter(is_none=False)],
    )
    for workload in w.values():
        factories.store_counts(workload)
    return member, w, lens_a, lens_b


@pytest.mark.parametrize("url", [LIST, DASHBOARD], ids=["list", "dashboard"])
@pytest.mark.parametrize(
    "params, expected",
    [
        ({}, ["Checkout", "Fresh", "Ledger"]),
        ({"q": "checkout"}, ["Checkout"]),  # name, case ignored
        ({"q": "shop"}, ["Checkout"]),  # description
        ({"q": "PAYMENTS"}, ["Checkout", "Fresh", "Ledger"]),  # team name
        ({"q": "hopper"}, ["Checkout"]),  # workload owner
        ({"q": "lovelace"}, ["Ledger"]),  # review owner
        ({"q": "card shop"}, ["Checkout"]),  # every word must match
        ({"q": "card ledger"}, []),
        ({"risk": "high"}, ["Checkout"]),
        ({"risk": "medium"}, []),
        ({"risk": "none"}, ["Ledger"]),  # answered something, no high or medium risk
        ({"progress": "not-started"}, ["Fresh"]),
        ({"progress": "in-progress"}, ["Ledger"]),
        ({"progress": "complete"}, ["Checkout"]),
        ({"q": "e", "progress": "complete"}, ["Checkout"]),
        ({"risk": "bogus", "progress": "²", "lens": "x"}, ["Checkout", "Fresh", "Ledger"]),
    ],
)
def test_search_and_filters_find_the_right_workloads_and_never_another_teams(
    world, client_for, url, params, expected
):
    member, *_ = world
    response = client_for(member).get(url, params)
    assert response.status_code == 200
    assert _names(response) == expected
    assert "secret" not in response.content.decode()


@pytest.mark.parametrize("url", [LIST, DASHBOARD], ids=["list", "dashboard"])
def test_lens_filter_and_its_options(world, client_for, url):
    member, _, lens_a, lens_b = world
    response = client_for(member).get(url, {"lens": lens_b.lens_id})
    assert _names(response) == ["Ledger"]
    assert [lens_id for lens_id, _ in response.context["lenses"]] == sorted(
        [lens_a.lens_id, lens_b.lens_id],
        key=lambda pk: Lens.objects.get(pk=pk).name,
    )


def test_dashboard_sort_and_page_links_keep_the_search(world, client_for):
    member, *_ = world
    response = client_for(member).get(DASHBOARD, {"q": "card", "risk": "high"})
    assert "q=card" in response.context["query"] and "risk=high" in response.context["query"]
    assert all("q=card" in c["url"] for c in response.context["columns"])
    page = response.content.decode()
    assert 'value="card"' in page
    assert '<option value="high" selected>' in page


# Nothing is scored: both read the stored counts. Empty results skip the page's row query.
@pytest.mark.parametrize("url, queries", [(LIST, 5), (DASHBOARD, 5)], ids=["list", "dashboard"])
@pytest.mark.parametrize("count", [1, 40])
def test_search_runs_in_a_fixed_number_of_queries(
    rel_bank, client_for, django_assert_num_queries, url, queries, count
):
    team = factories.TeamFactory(name="Payments")
    member = factories.MembershipFactory(team=team, role="lead").user
    for i in range(count):
        factories.WorkloadFactory(team=team, name=f"Shop {i}", lens_version=rel_bank)
    factories.WorkloadFactory(name="Shop elsewhere", lens_version=rel_bank)  # another team
    client = client_for(member)
    with django_assert_num_queries(queries):
        response = client.get(url, {"q": "shop", "risk": "none", "progress": "not-started"})
    assert response.status_code == 200
    with django_assert_num_queries(queries + 1):
        response = client.get(url, {"q": "shop", "progress": "not-started"})
    found = response.context.get("page")
    assert (found.paginator.count if found else len(response.context["rows"])) == count
