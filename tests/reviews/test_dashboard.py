from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from reviews import loader
from reviews.models import Workload
from reviews.views import dashboard as dashboard_view
from reviews.views.dashboard import workloads_of_teams
from reviews.vocab import Risk
from reviews.workload_order import SORTS, workload_ordering
from tests import factories
from tests.reviews.dashboard_data import populate_workloads

pytestmark = pytest.mark.django_db
URL = reverse("reviews:dashboard")

# session, user, the teams for the filter, the lenses for the search form, the totals (count,
# high, medium), one page of workloads with their team and stored counts: nothing is scored,
# whatever their number.
DASHBOARD_QUERIES = 6


def _names(response) -> list[str]:
    return [row.workload.name for row in response.context["page"].object_list]


@pytest.fixture
def team_member(rel_bank):
    membership = factories.MembershipFactory(role="lead")
    return membership


@pytest.mark.parametrize("count", [10, 10_000])
def test_dashboard_renders_in_a_fixed_number_of_queries(
    count, team_member, rel_bank, client_for, django_assert_num_queries
):
    populate_workloads(team=team_member.team, version=rel_bank, count=count)
    client = client_for(team_member.user)
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = client.get(URL, {"sort": "score"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == count
    assert response.context["totals"]["workloads"] == count


def test_dashboard_counts_agree_with_the_scoring_of_each_workload_over_all_its_lenses(
    team_member, rel_bank, client_for
):
    versions = [rel_bank, factories.make_bank(questions=4, kind="imported")]
    # 5 answer sets, repeated: the repeats' answers are copied in SQL, and must score the same
    workloads = populate_workloads(team=team_member.team, versions=versions, count=12, patterns=5)
    response = client_for(team_member.user).get(URL, {"sort": "name"})
    rows = {row.workload.pk: row for row in response.context["page"].object_list}
    for workload in workloads:
        result = loader.result_for_workload(workload)
        assert result.total == 3 + 4
        row = rows[workload.pk]
        assert (row.high, row.medium, row.answered, row.total, row.score) == (
            result.counts[Risk.HIGH],
            result.counts[Risk.MEDIUM],
            result.answered,
            result.total,
            result.score,
        )
    # and the page prints them with text labels, not colour alone
    html = response.content.decode()
    assert f'{rows[workloads[0].pk].high}<span class="visually-hidden"> high risk' in html


def test_dashboard_shows_only_workloads_of_the_users_teams(team_member, rel_bank, client_for):
    populate_workloads(team=team_member.team, version=rel_bank, count=2, prefix="Mine")
    populate_workloads(team=factories.TeamFactory(), version=rel_bank, count=3, prefix="Theirs")
    response = client_for(team_member.user).get(URL)
    assert sorted(_names(response)) == ["Mine 0000", "Mine 0001"]
    assert "Theirs" not in response.content.decode()


def test_staff_see_every_workload(rel_bank, client_for):
    populate_workloads(team=factories.TeamFactory(), version=rel_bank, count=3)
    admin = factories.UserFactory(is_staff=True)
    response = client_for(admin).get(URL)
    assert response.context["page"].paginator.count == 3


def test_dashboard_sorts_by_each_column(team_member, rel_bank, client_for):
    populate_workloads(team=team_member.team, version=rel_bank, count=30)
    client = client_for(team_member.user)
    for key, attribute in [("high", "high"), ("medium", "medium"), ("progress", "progress")]:
        rows = client.get(URL, {"sort": f"-{key}", "page": 1}).context["page"].object_list
        values = [getattr(r, attribute) for r in rows]
        assert values == sorted(values, reverse=True)
        rows = client.get(URL, {"sort": key}).context["page"].object_list
        assert [getattr(r, attribute) for r in rows] == sorted(getattr(r, attribute) for r in rows)
    rows = client.get(URL, {"sort": "-score"}).context["page"].object_list
    scores = [-1 if r.score is None else r.score for r in rows]
    assert scores == sorted(scores, reverse=True)
    names = _names(client.get(URL, {"sort": "-name"}))
    assert names == sorted(names, reverse=True)


def test_dashboard_sorts_by_last_change(team_member, rel_bank, client_for):
    old, new = populate_workloads(team=team_member.team, version=rel_bank, count=2)
    Workload.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=400))
    Workload.objects.filter(pk=new.pk).update(updated_at=timezone.now() + timedelta(minutes=5))
    client = client_for(team_member.user)
    assert _names(client.get(URL, {"sort": "-changed"})) == [new.name, old.name]
    assert _names(client.get(URL, {"sort": "changed"})) == [old.name, new.name]


def test_dashboard_filters_by_team_and_environment(rel_bank, client_for):
    user = factories.UserFactory()
    first = factories.MembershipFactory(user=user, role="architect").team
    second = factories.MembershipFactory(user=user, role="lead").team
    populate_workloads(team=first, version=rel_bank, count=4, prefix="First")
    populate_workloads(team=second, version=rel_bank, count=3, prefix="Second")
    client = client_for(user)
    assert sorted(_names(client.get(URL, {"team": second.pk}))) == [
        "Second 0000",
        "Second 0001",
        "Second 0002",
    ]
    production = _names(client.get(URL, {"team": first.pk, "environment": "PRODUCTION"}))
    assert sorted(production) == ["First 0000", "First 0002"]
    # an unknown environment or team value is ignored rather than failing ("²" passes
    # str.isdigit() but not int(): it used to be a 500)
    for team in ["x", "\u00b2", "-1", "9" * 30]:
        response = client.get(URL, {"environment": "MARS", "team": team})
        assert response.status_code == 200
        assert response.context["page"].paginator.count in (0, 7)
    assert client.get(URL, {"team": "\u00b2"}).context["page"].paginator.count == 7


def test_dashboard_paginates_the_scored_list(team_member, rel_bank, client_for):
    populate_workloads(team=team_member.team, version=rel_bank, count=60)
    client = client_for(team_member.user)
    response = client.get(URL, {"sort": "name", "page": 3})
    assert _names(response) == [f"Workload {i:04d}" for i in range(50, 60)]
    html = response.content.decode()
    assert re.search(r'href="\?sort=name&amp;page=2"', html)
    # a page past the end shows the last page instead of an error, garbage the first
    assert _names(client.get(URL, {"sort": "name", "page": 99})) == _names(response)
    first = [f"Workload {i:04d}" for i in range(25)]
    for page in ["x", "", "1.5"]:
        assert _names(client.get(URL, {"sort": "name", "page": page})) == first
    assert client.get(URL, {"sort": "evil", "page": "-1"}).status_code == 200


def test_dashboard_without_workloads_says_so(client_for):
    user = factories.MembershipFactory().user
    response = client_for(user).get(URL)
    assert response.status_code == 200
    assert "No workloads yet" in response.content.decode()


def test_dashboard_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_each_sort_orders_the_whole_list_not_just_the_page(team_member, rel_bank, client_for):
    populate_workloads(team=team_member.team, version=rel_bank, count=60)
    client = client_for(team_member.user)
    everything = client.get(URL, {"sort": "name"}).context["page"].paginator.object_list
    for key in ["high", "medium", "progress"]:
        expected = sorted(getattr(r, key) for r in everything)
        for sort, values in [(key, expected), (f"-{key}", expected[::-1])]:
            shown = []
            for n in (1, 2, 3):
                page = client.get(URL, {"sort": sort, "page": n}).context["page"]
                shown += [getattr(r, key) for r in page]
            assert shown == values, sort


def test_workloads_without_a_score_sort_last_both_ways(team_member, rel_bank, client_for):
    scored = populate_workloads(team=team_member.team, version=rel_bank, count=3, prefix="B")
    factories.WorkloadFactory(team=team_member.team, lens_version=rel_bank, name="A blank")
    client = client_for(team_member.user)
    for sort in ["score", "-score"]:
        rows = client.get(URL, {"sort": sort}).context["page"].object_list
        assert len(rows) == len(scored) + 1
        assert rows[-1].workload.name == "A blank" and rows[-1].score is None
        scores = [r.score for r in rows[:-1]]
        assert None not in scores
        assert scores == sorted(scores, reverse=sort.startswith("-"))


@pytest.mark.parametrize("sort", [*SORTS, *(f"-{key}" for key in SORTS)])
def test_each_sort_reads_its_page_in_index_order(sort, team_member, rel_bank):
    # With sorting priced out, a full sort in the plan means no index serves this ORDER BY: the
    # page would then cost a sort of every visible workload. The reverse of an index's order
    # may sort the rows tied on the key (an incremental sort), never all of them.
    populate_workloads(team=team_member.team, version=rel_bank, count=30)
    page = (
        workloads_of_teams(team_member.user, [team_member.team_id])
        .select_related("team")
        .order_by(*workload_ordering(sort))[25:50]
    )
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = page.explain()
    assert not re.search(r"(^|->  )Sort ", plan, re.MULTILINE), plan


def test_page_links_stay_few_whatever_the_number_of_pages(
    team_member, rel_bank, client_for, monkeypatch
):
    monkeypatch.setattr(dashboard_view, "PAGE_SIZE", 1)
    populate_workloads(team=team_member.team, version=rel_bank, count=30)
    response = client_for(team_member.user).get(URL, {"sort": "name", "page": 15})
    links = response.context["page_links"]
    assert [link.get("number") for link in links] == [1, None, 13, 14, 15, 16, 17, None, 30]
    html = response.content.decode()
    assert 'href="?sort=name&amp;page=30"' in html
    assert 'href="?sort=name&amp;page=12"' not in html
