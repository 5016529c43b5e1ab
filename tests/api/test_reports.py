"""Reports through the API: 202 with the status URL, status, download (real worker)."""

from __future__ import annotations

import pytest

from reviews.models import Milestone, Report
from tests import factories
from tests.factories import version_of
from tests.reviews.reports_data import pdf_text


def _url(workload, *rest) -> str:
    return "/".join([f"/api/v1/workloads/{workload.pk}/reports", *map(str, rest)]) + "/"


def test_a_request_is_accepted_with_its_status_url(
    architect, api_for, django_capture_on_commit_callbacks
):
    workload = factories.WorkloadFactory(team=architect.memberships.get().team)
    client = api_for(architect)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(_url(workload), {}, content_type="application/json")
    assert response.status_code == 202, response.content
    body = response.json()
    report = Report.objects.get(workload=workload)
    assert body["status"] == "queued" and body["download_url"] is None
    assert response["Location"] == body["status_url"]
    assert body["status_url"].endswith(_url(workload, report.pk))
    assert len(callbacks) == 1  # the render is queued on commit, by the same service
    assert client.get(body["status_url"]).json()["id"] == report.pk
    assert client.get(_url(workload, report.pk, "download")).status_code == 404


def test_a_milestone_of_another_workload_is_a_field_error(architect, api_for):
    workload = factories.WorkloadFactory(team=architect.memberships.get().team)
    other = factories.WorkloadFactory(lens_version=version_of(workload))
    milestone = Milestone.objects.create(workload=other, name="x")
    response = api_for(architect).post(
        _url(workload), {"milestone": milestone.pk}, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/milestone"
    assert not Report.objects.exists()


def test_a_lead_may_request_reports(api_for):
    lead = factories.MembershipFactory(role="lead")
    workload = factories.WorkloadFactory(team=lead.team)
    response = api_for(lead.user).post(_url(workload), {}, content_type="application/json")
    assert response.status_code == 202


@pytest.mark.worker
def test_requested_by_api_rendered_by_a_worker_and_downloaded(
    worker_factory, rel_bank, api_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    from tests.reviews.reports_data import answered_rel_workload

    worker = worker_factory().start()
    workload = answered_rel_workload(rel_bank, name="Payments Platform")
    member = factories.MembershipFactory(team=workload.team, role="lead").user
    client = api_for(member, "write")
    status_url = client.post(_url(workload), {}, content_type="application/json").json()[
        "status_url"
    ]
    worker.wait_until(lambda: client.get(status_url).json()["status"] == "ready", timeout=60)
    body = client.get(status_url).json()
    response = client.get(body["download_url"], HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Payments Platform" in pdf_text(b"".join(response.streaming_content))


def test_past_the_request_rate_the_api_answers_429_with_the_reason(architect, api_for, settings):
    settings.REPORT_RATE_PER_USER = 1
    team = architect.memberships.get().team
    client = api_for(architect)
    first = factories.WorkloadFactory(team=team)
    assert client.post(_url(first), {}, content_type="application/json").status_code == 202
    again = client.post(_url(first), {}, content_type="application/json")
    assert again.status_code == 202  # the same report, still queued: not a new one
    assert again.json()["id"] == Report.objects.get().pk

    response = client.post(
        _url(factories.WorkloadFactory(team=team)), {}, content_type="application/json"
    )
    assert response.status_code == 429
    assert "the most allowed" in response.content.decode()
    assert Report.objects.count() == 1


def test_reports_filter_by_status(architect, api_for):
    workload = factories.WorkloadFactory(team=architect.memberships.get().team)
    Report.objects.create(workload=workload)
    Report.objects.create(workload=workload, status=Report.Status.FAILED)
    client = api_for(architect)
    body = client.get(_url(workload), {"status": "failed"}).json()
    assert [r["status"] for r in body["results"]] == ["failed"]
    assert client.get(_url(workload)).json()["count"] == 2
