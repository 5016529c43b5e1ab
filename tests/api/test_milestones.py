"""Risk summaries and milestones through the API: the pages' numbers and service."""

from __future__ import annotations

import pytest

from questions.models import Question
from reviews import loader
from reviews.models import Milestone
from reviews.services.answers import answer_save
from tests import factories
from tests.factories import version_of


@pytest.fixture
def workload(architect):
    workload = factories.WorkloadFactory(team=architect.memberships.get().team)
    question = Question.objects.filter(pillar__version=version_of(workload)).order_by("order")[0]
    answer_save(
        workload=workload,
        question=question,
        data={"selected": ["q0_c0"]},
        expected_version=0,
        user=architect,
    )
    return workload


def test_the_risk_summary_has_the_pages_numbers(architect, api_for, workload):
    body = api_for(architect).get(f"/api/v1/workloads/{workload.pk}/risks/").json()
    result = loader.result_for_workload(workload)
    assert body["counts"] == dict(result.counts)
    assert body["score"] == result.score and body["answered"] == 1 and body["total"] == 3
    assert [p["ref"] for p in body["pillars"]] == [p.ref for p in result.pillars]
    assert body["pillars"][0]["counts"]["HIGH"] == result.pillars[0].counts["HIGH"]
    assert [q["risk"] for q in body["questions"]] == [q.risk for q in result.questions]
    assert len(body["improvement_plan"]) == len(result.improvement_plan)


def test_take_list_read_and_compare_milestones(architect, api_for, workload):
    client = api_for(architect)
    url = f"/api/v1/workloads/{workload.pk}/milestones/"
    response = client.post(url, {"name": "Before launch"}, content_type="application/json")
    assert response.status_code == 201, response.content
    first = response.json()
    assert first["results"]["counts"]["HIGH"] == 1
    question = Question.objects.filter(pillar__version=version_of(workload)).order_by("order")[0]
    answer_save(
        workload=workload,
        question=question,
        data={"selected": ["q0_c0", "q0_c1", "q0_c2", "q0_c3"]},
        expected_version=1,
        user=architect,
    )
    assert [m["name"] for m in client.get(url).json()["results"]] == ["Before launch"]
    assert client.get(f"{url}{first['id']}/").json()["results"] == first["results"]

    changes = client.get(f"{url}compare/", {"before": first["id"]}).json()
    assert changes["after"] is None
    (change,) = changes["changes"]
    assert change["question_ref"] == "q0" and change["risk_before"] == "HIGH"
    assert change["risk_after"] == "NONE" and len(change["newly_followed"]) == 3


def test_milestone_rules_are_the_services(architect, api_for, workload):
    client = api_for(architect)
    url = f"/api/v1/workloads/{workload.pk}/milestones/"
    client.post(url, {"name": "Baseline"}, content_type="application/json")
    response = client.post(url, {"name": "baseline"}, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/name"
    assert Milestone.objects.count() == 1


def test_compare_with_another_workloads_milestone_is_404(architect, api_for, workload):
    other = factories.WorkloadFactory(lens_version=version_of(workload))
    foreign = Milestone.objects.create(workload=other, name="x")
    response = api_for(architect).get(
        f"/api/v1/workloads/{workload.pk}/milestones/compare/", {"before": foreign.pk}
    )
    assert response.status_code == 404


def test_a_lead_takes_milestones(api_for):
    lead = factories.MembershipFactory(role="lead")
    workload = factories.WorkloadFactory(team=lead.team)
    response = api_for(lead.user).post(
        f"/api/v1/workloads/{workload.pk}/milestones/",
        {"name": "Q1"},
        content_type="application/json",
    )
    assert response.status_code == 201
