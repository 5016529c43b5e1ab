"""The events other features emit: written in the same transaction, with the documented data."""

from __future__ import annotations

import pytest

from reviews import loader
from reviews.models import Report
from reviews.services import report_worker as report_services
from reviews.services.milestones import milestone_create
from tests import factories
from tests.reviews.reports_data import answered_rel_workload
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db


def test_taking_a_milestone_emits_milestone_taken_to_the_teams_endpoints():
    workload = factories.WorkloadFactory()
    lead = factories.MembershipFactory(team=workload.team, role="lead").user
    endpoint = factories.EndpointFactory(team=workload.team, events=["milestone.taken"])
    factories.EndpointFactory(team=factories.TeamFactory(), events=["milestone.taken"])

    milestone = milestone_create(workload=workload, name="Baseline", user=lead)

    [delivery] = Delivery.objects.all()
    assert (delivery.endpoint, delivery.event, delivery.status) == (
        endpoint,
        "milestone.taken",
        "pending",
    )
    data = delivery.payload["data"]
    assert data["workload"]["id"] == workload.pk
    assert data["workload"]["team"] == {"id": workload.team_id}
    assert data["milestone"]["name"] == "Baseline"
    assert data["milestone"]["created_by"] == lead.username
    frozen = loader.result_for_milestone(milestone)  # every lens it froze, added up
    assert data["milestone"]["counts"] == dict(frozen.counts)
    assert data["milestone"]["score"] == frozen.score
    assert delivery.payload["type"] == "milestone.taken"


def test_a_finished_report_emits_report_ready(rel_bank, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    workload = answered_rel_workload(rel_bank)
    factories.EndpointFactory(events=["report.ready"])
    report = Report.objects.create(workload=workload)

    rendered = report_services.report_render(report_id=report.pk)

    [delivery] = Delivery.objects.all()
    assert delivery.payload["data"]["report"] | {"path": None} == {
        "id": report.pk,
        "milestone": None,
        "size": rendered.size,
        "sha256": rendered.checksum,
        "path": None,
    }
    # Rendering again is a no-op and emits nothing more.
    assert report_services.report_render(report_id=report.pk) is None
    assert Delivery.objects.count() == 1
