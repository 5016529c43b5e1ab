"""Improvement items through the API: the team page's filters, the pages' service and rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from reviews.models import ImprovementItem
from tests import factories
from tests.reviews.test_items import answer

Status = ImprovementItem.Status
JSON = "application/json"


@pytest.fixture
def team(db):
    architect = factories.MembershipFactory(role="architect")
    lead = factories.MembershipFactory(team=architect.team, role="lead")
    workload = factories.WorkloadFactory(team=architect.team, name="Shop")
    answer(workload, "q0", architect.user, selected=["q0_c0"])  # c1 MEDIUM, c2 LOW, c3 HIGH
    return {"architect": architect.user, "lead": lead.user, "workload": workload}


def _items(workload) -> dict[str, ImprovementItem]:
    return {i.practice_ref: i for i in ImprovementItem.objects.filter(workload=workload)}


def _url(item: ImprovementItem) -> str:
    return f"/api/v1/workloads/{item.workload_id}/items/{item.pk}/"


def test_a_workloads_items_are_listed_most_urgent_first(team, api_for):
    items = _items(team["workload"])
    ImprovementItem.objects.filter(pk=items["q0_c2"].pk).update(
        due_date=timezone.localdate() - dt.timedelta(days=1)
    )
    response = api_for(team["architect"]).get(f"/api/v1/workloads/{team['workload'].pk}/items/")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    # Overdue first, then highest risk (the pages' order).
    assert [i["practice"] for i in body["results"]] == ["q0_c2", "q0_c3", "q0_c1"]
    first = body["results"][0]
    assert first["overdue"] is True and first["risk"] == "LOW" and first["status"] == "not_started"
    assert first["workload_name"] == "Shop" and first["question_ref"] == "q0"
    assert first["url"].endswith(_url(items["q0_c2"]))


def test_the_team_list_filters_like_the_team_page(team, api_for):
    w = team["workload"]
    other = factories.WorkloadFactory(team=w.team, name="Billing")
    answer(other, "q1", team["architect"], selected=["q1_c1"])  # c0 HIGH, c2 LOW, c3 HIGH
    answer(
        factories.WorkloadFactory(), "q0", team["architect"], selected=["q0_no"]
    )  # another team's
    items = _items(w)
    today = timezone.localdate()
    ImprovementItem.objects.filter(pk=items["q0_c1"].pk).update(
        owner=team["lead"], due_date=today + dt.timedelta(days=3), status=Status.IN_PROGRESS
    )
    ImprovementItem.objects.filter(pk=items["q0_c3"].pk).update(
        due_date=today - dt.timedelta(days=2)
    )
    ImprovementItem.objects.filter(pk=items["q0_c2"].pk).update(status=Status.DONE)
    client = api_for(team["architect"])

    def practices(**query) -> list[str]:
        response = client.get("/api/v1/items/", query)
        assert response.status_code == 200, response.content
        return sorted(f"{i['workload_name']}:{i['practice']}" for i in response.json()["results"])

    assert len(practices()) == 6  # both workloads of the team, nothing of the other team
    assert practices(workload=other.pk, risk="HIGH") == ["Billing:q1_c0", "Billing:q1_c3"]
    assert practices(owner=team["lead"].pk) == ["Shop:q0_c1"]
    assert practices(owner="none", workload=w.pk) == ["Shop:q0_c2", "Shop:q0_c3"]
    assert practices(status="in_progress") == ["Shop:q0_c1"]
    assert practices(status="open", workload=w.pk) == ["Shop:q0_c1", "Shop:q0_c3"]
    assert practices(overdue="true") == ["Shop:q0_c3"]
    assert practices(due_before=today.isoformat()) == ["Shop:q0_c3"]
    assert practices(due_after=today.isoformat()) == ["Shop:q0_c1"]
    assert practices(lens=w.lens_reviews.get().lens.slug, team=w.team_id, status="done") == [
        "Shop:q0_c2"
    ]
    ordered = client.get("/api/v1/items/", {"ordering": "-risk", "page_size": 3}).json()
    assert ordered["count"] == 6 and ordered["next"]
    assert [i["risk"] for i in ordered["results"]] == ["LOW", "LOW", "MEDIUM"]


def test_a_bad_filter_is_a_problem(team, api_for):
    response = api_for(team["architect"]).get("/api/v1/items/", {"owner": "bob", "risk": "NONE"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert {e["pointer"] for e in response.json()["errors"]} == {"#/owner", "#/risk"}


def test_listing_costs_the_same_queries_for_few_and_many_items(
    team, api_for, django_assert_num_queries
):
    client = api_for(team["architect"])
    url = f"/api/v1/workloads/{team['workload'].pk}/items/"
    # token, its last-used stamp, workload with role, count, page (items with their owner,
    # workload, lens and question)
    with django_assert_num_queries(5):
        assert client.get(url).json()["count"] == 3
    answer(team["workload"], "q1", team["architect"], selected=["q1_no"])
    answer(team["workload"], "q2", team["architect"], selected=["q2_no"])
    with django_assert_num_queries(5):
        assert client.get(url).json()["count"] == 11
    with django_assert_num_queries(4):  # token, stamp, count, page
        assert client.get("/api/v1/items/").json()["count"] == 11


def test_an_update_goes_through_the_pages_service_and_is_audited(team, api_for):
    item = _items(team["workload"])["q0_c3"]
    due = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = api_for(team["architect"]).patch(
        _url(item),
        {
            "owner": team["lead"].pk,
            "due_date": due,
            "status": "in_progress",
            "notes": "Ticket raised",
            "link": "https://tickets.example.com/OPS-1",
        },
        content_type=JSON,
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["owner"], body["owner_username"]) == (team["lead"].pk, team["lead"].username)
    assert (body["due_date"], body["status"], body["notes"]) == (
        due,
        "in_progress",
        "Ticket raised",
    )
    item.refresh_from_db()
    assert (item.owner, item.status, item.link) == (
        team["lead"],
        Status.IN_PROGRESS,
        "https://tickets.example.com/OPS-1",
    )
    event = AuditEvent.objects.get(action="item.changed", target_id=str(item.pk))
    assert event.actor == team["architect"]
    assert set(event.data["changes"]) == {"owner", "due_date", "status", "notes", "link"}


def test_a_partial_update_changes_only_what_it_sends(team, api_for):
    item = _items(team["workload"])["q0_c3"]
    ImprovementItem.objects.filter(pk=item.pk).update(owner=team["lead"], notes="Keep me")

    response = api_for(team["architect"]).patch(_url(item), {"status": "done"}, content_type=JSON)

    assert response.status_code == 200, response.content
    item.refresh_from_db()
    assert (item.status, item.owner, item.notes) == (Status.DONE, team["lead"], "Keep me")


@pytest.mark.parametrize(
    ("body", "pointers"),
    [
        ({"owner": "OWNER_OUTSIDE"}, {"#/owner"}),
        ({"owner": 2**40}, {"#/owner"}),
        ({"status": "finished", "due_date": "soon"}, {"#/status", "#/due_date"}),
        ({"link": "not a url"}, {"#/link"}),
        ({"notes": "x" * 2085}, {"#/notes"}),
        ({"status": "risk_accepted"}, {"#/accepted_reason", "#/accepted_until"}),
        (
            {"status": "risk_accepted", "accepted_reason": "Legacy", "accepted_until": "TODAY"},
            {"#/accepted_until"},
        ),
    ],
)
def test_bad_input_is_a_problem_and_changes_nothing(team, api_for, body, pointers):
    item = _items(team["workload"])["q0_c3"]
    if body.get("owner") == "OWNER_OUTSIDE":
        body = {"owner": factories.MembershipFactory().user.pk}  # a member of another team
    if body.get("accepted_until") == "TODAY":
        body = {**body, "accepted_until": timezone.localdate().isoformat()}
    before = list(ImprovementItem.objects.values())

    response = api_for(team["lead"]).patch(_url(item), body, content_type=JSON)

    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert {e["pointer"] for e in response.json()["errors"]} == pointers
    assert list(ImprovementItem.objects.values()) == before
    assert not AuditEvent.objects.filter(action="item.changed").exists()


def test_only_a_lead_accepts_a_risk(team, api_for):
    item = _items(team["workload"])["q0_c3"]
    acceptance = {
        "status": "risk_accepted",
        "accepted_reason": "Replaced next quarter",
        "accepted_until": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
    }

    refused = api_for(team["architect"]).patch(_url(item), acceptance, content_type=JSON)

    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["detail"] == "Only a lead of the team can accept a risk."
    item.refresh_from_db()
    assert item.status == Status.NOT_STARTED

    accepted = api_for(team["lead"]).patch(_url(item), acceptance, content_type=JSON)

    assert accepted.status_code == 200, accepted.content
    assert accepted.json()["accepted_by"] == team["lead"].pk
    assert AuditEvent.objects.get(action="item.changed", actor=team["lead"]).data["changes"][
        "status"
    ] == {"before": "not_started", "after": "risk_accepted"}


def test_an_item_of_another_workload_is_not_found_through_this_one(team, api_for):
    item = _items(team["workload"])["q0_c3"]
    sibling = factories.WorkloadFactory(team=team["workload"].team)

    response = api_for(team["architect"]).get(f"/api/v1/workloads/{sibling.pk}/items/{item.pk}/")

    assert response.status_code == 404
