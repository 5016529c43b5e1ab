"""Workloads through the API: the page's rules and services, the access module's answers."""

from __future__ import annotations

import pytest

from reviews.models import Workload
from tests import factories
from tests.factories import version_of

URL = "/api/v1/workloads/"


@pytest.fixture
def team(architect):
    return architect.memberships.get().team


def _post(client, url, data):
    return client.post(url, data, content_type="application/json")


def test_create_read_update_archive(architect, team, api_for, rel_bank):
    client = api_for(architect)
    response = _post(
        client,
        URL,
        {
            "name": "Payments",
            "description": "Card payments",
            "team": team.pk,
            "regions": ["eu-west-1"],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    workload = Workload.objects.get(pk=body["id"])
    assert workload.created_by == architect and version_of(workload) == rel_bank
    assert body["regions"] == ["eu-west-1"] and body["archived"] is False

    response = client.patch(
        f"{URL}{workload.pk}/", {"notes": "Reviewed with the team"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    workload.refresh_from_db()
    assert workload.notes == "Reviewed with the team" and workload.name == "Payments"

    response = _post(client, f"{URL}{workload.pk}/archive/", {})
    assert response.status_code == 200 and response.json()["archived"] is True
    assert client.get(URL, {"archived": "false"}).json()["count"] == 0
    assert client.get(URL, {"archived": "true"}).json()["count"] == 1
    response = _post(client, f"{URL}{workload.pk}/archive/", {"archived": False})
    assert response.json()["archived"] is False


def test_field_errors_come_back_as_problem_json_and_nothing_is_written(
    architect, team, api_for, rel_bank
):
    factories.WorkloadFactory(team=team, name="Payments")
    response = _post(
        api_for(architect), URL, {"name": "payments", "description": "ab", "team": team.pk}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    pointers = {e["pointer"]: e["detail"] for e in response.json()["errors"]}
    assert "already exists" in pointers["#/name"]
    assert "at least 3" in pointers["#/description"]
    assert Workload.objects.count() == 1


def test_type_errors_name_the_field(architect, team, api_for):
    response = _post(api_for(architect), URL, {"name": 5, "team": "x", "regions": "eu"})
    assert response.status_code == 400
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert {"#/team", "#/regions", "#/description"} <= pointers


def test_a_lead_cannot_create_or_edit(api_for, rel_bank):
    lead = factories.MembershipFactory(role="lead")
    workload = factories.WorkloadFactory(team=lead.team)
    client = api_for(lead.user)
    created = _post(client, URL, {"name": "Payments", "description": "Cards", "team": lead.team.pk})
    assert created.status_code == 403
    assert (
        client.patch(f"{URL}{workload.pk}/", {}, content_type="application/json").status_code == 403
    )
    assert client.get(f"{URL}{workload.pk}/").status_code == 200


def test_another_teams_team_id_is_refused_on_create(architect, api_for, rel_bank):
    other = factories.TeamFactory()
    response = _post(
        api_for(architect), URL, {"name": "Payments", "description": "Cards", "team": other.pk}
    )
    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == ["#/team"]
    assert not Workload.objects.exists()


def test_list_filters_orders_and_paginates(architect, team, api_for):
    version = factories.make_bank(questions=1)
    for name, env in [("b-api", "PRODUCTION"), ("a-web", "PREPRODUCTION"), ("c-api", "PRODUCTION")]:
        factories.WorkloadFactory(team=team, name=name, environment=env, lens_version=version)
    factories.WorkloadFactory(name="a-api other team", lens_version=version)
    client = api_for(architect)
    names = lambda response: [w["name"] for w in response.json()["results"]]  # noqa: E731
    assert names(client.get(URL)) == ["a-web", "b-api", "c-api"]
    assert names(client.get(URL, {"name": "API"})) == ["b-api", "c-api"]
    assert names(client.get(URL, {"environment": "PREPRODUCTION"})) == ["a-web"]
    assert names(client.get(URL, {"ordering": "-name"})) == ["c-api", "b-api", "a-web"]
    page = client.get(URL, {"page_size": 2, "page": 2}).json()
    assert page["count"] == 3 and [w["name"] for w in page["results"]] == ["c-api"]
    bad = client.get(URL, {"environment": "MARS"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["pointer"] == "#/environment"


def test_list_has_a_fixed_number_of_queries(architect, team, api_for, django_assert_num_queries):
    client = api_for(architect)
    version = factories.make_bank(questions=1)
    factories.WorkloadFactory(team=team, lens_version=version)
    # token lookup, last-used stamp, count, page, the page's lens reviews
    with django_assert_num_queries(5):
        assert client.get(URL).status_code == 200
    for _ in range(20):
        factories.WorkloadFactory(team=team, lens_version=version)
    with django_assert_num_queries(5):
        assert client.get(URL).json()["count"] == 21


def test_the_browser_session_works_and_needs_csrf(architect, team, rel_bank):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(architect)
    assert client.get(URL).status_code == 200
    data = {"name": "Payments", "description": "Card payments", "team": team.pk}
    assert _post(client, URL, data).status_code == 403
    client.get("/settings/api-tokens/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(URL, data, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201, response.content
