"""A consolidated report over 200 workloads, end to end: requested on the web page by the
dashboard's filters, rendered by a real Celery worker (real Redis, PostgreSQL, WeasyPrint),
downloaded as PDF, JSON and CSV, and checked against the scoring of every workload."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from django.urls import reverse

from reviews import consolidated_data
from reviews.models import ConsolidatedReport
from tests import factories
from tests.reviews.bulk_workloads import bulk_workloads
from tests.reviews.reports_data import pdf_text
from tests.reviews.test_consolidated import assert_matches_scoring

pytestmark = pytest.mark.worker

WORKLOADS = 200


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Set before the worker starts: LiveWorker hands MEDIA_ROOT to the worker's environment.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _download(client, name: str, report: ConsolidatedReport) -> bytes:
    response = client.get(reverse(f"reviews:consolidated_{name}", args=[report.pk]))
    assert response.status_code == 200, name
    return b"".join(response.streaming_content)


def test_a_report_over_200_workloads_is_rendered_by_a_worker_and_matches_their_scoring(
    live_worker, rel_bank, client_for
):
    lead = factories.MembershipFactory(role="lead")
    imported = factories.make_bank(questions=4, kind="imported")
    workloads = bulk_workloads(team=lead.team, version=rel_bank, count=WORKLOADS, second=imported)
    factories.WorkloadFactory(name="Another team's workload")  # never in the report
    client = client_for(lead.user)

    response = client.post(
        reverse("reviews:consolidated_new"), {"team": lead.team_id, "mode": "filters"}
    )
    report = ConsolidatedReport.objects.get()
    assert response.status_code == 302
    assert len(report.workload_ids) == WORKLOADS

    started = time.monotonic()
    live_worker.wait_until(
        lambda: (
            ConsolidatedReport.objects.values_list("status", flat=True).get(pk=report.pk)
            in (ConsolidatedReport.Status.READY, ConsolidatedReport.Status.FAILED)
        ),
        timeout=120,
    )
    print(f"\n200 workloads: queued -> ready in {time.monotonic() - started:.1f} s")
    report.refresh_from_db()
    assert report.status == ConsolidatedReport.Status.READY, report.error
    status = client.get(reverse("reviews:consolidated_status", args=[report.pk])).content.decode()
    assert "hx-trigger" not in status
    assert reverse("reviews:consolidated_csv", args=[report.pk]) in status

    data = json.loads(_download(client, "json", report))
    assert data["summary"]["workloads"] == WORKLOADS
    assert data["summary"]["lens_reviews"] == WORKLOADS + WORKLOADS // 4
    assert_matches_scoring(data, workloads)

    rows = list(csv.reader(io.StringIO(_download(client, "csv", report).decode())))
    assert tuple(rows[0]) == consolidated_data.CSV_HEADER
    expected = [[str(cell) for cell in row] for row in consolidated_data.csv_rows(data)]
    assert rows[1:] == expected
    assert len(expected) == data["summary"]["questions"]

    text = pdf_text(_download(client, "pdf", report))
    assert "Overview" in text and f"Across {WORKLOADS} workloads" in text
    counts = data["summary"]["counts"]
    assert f"{counts['HIGH']} high risk, {counts['MEDIUM']} medium risk" in text
    for workload in workloads[:: WORKLOADS // 10]:
        assert workload.name in text
    assert "Another team's workload" not in text
    assert data["top_risks"][0]["practice"] in text
