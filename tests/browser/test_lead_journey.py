"""The lead's journey in Chromium: from the dashboard to a workload, a milestone, and a PDF
report rendered by a real Celery worker, downloaded through the browser."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from questions.banks import load_rel_bank
from questions.models import Question
from reviews.models import Answer, Milestone, Report, Workload
from tests import factories
from tests.browser.helpers import (
    pdf_first_page_png,
    save_screenshot,
    sign_in,
)
from tests.factories import lens_review_of
from tests.reviews.reports_data import FOLLOWED

pytestmark = [pytest.mark.browser, pytest.mark.worker]

# Practices followed per question ref (REL 3, 4, 5); "_no" is "None of these".
PAYMENTS = FOLLOWED  # one high risk (REL 4 misses loose coupling), two medium
SIGN_IN = {  # REL 3 complete: one high, one medium
    **PAYMENTS,
    "service-architecture": [
        *PAYMENTS["service-architecture"],
        "rel_service_architecture_api_contracts",
    ],
}
FRAUD = {"prevent-interaction-failure": ["rel_prevent_interaction_failure_no"]}


def answered(version, team, name: str, followed: dict[str, list[str]], **fields) -> Workload:
    workload = factories.WorkloadFactory(team=team, name=name, lens_version=version, **fields)
    for question in Question.objects.filter(pillar__version=version, ref__in=followed):
        Answer.objects.create(
            lens_review=lens_review_of(workload),
            question=question,
            selected=followed[question.ref],
            notes=f"Discussed {question.ref} with the team.",
        )
    return factories.store_counts(workload)


@pytest.fixture
def portfolio():
    """A lead of two teams and their workloads, answered to different degrees."""
    version = load_rel_bank()
    payments = factories.TeamFactory(name="Payments")
    identity = factories.TeamFactory(name="Identity")
    lead = factories.MembershipFactory(team=payments, role="lead", user__username="jordan").user
    factories.MembershipFactory(team=identity, role="lead", user=lead)
    workload = answered(
        version,
        payments,
        "Payments Platform",
        PAYMENTS,
        description="Card and wallet payments for every storefront.",
    )
    answered(version, payments, "Fraud Scoring", FRAUD, environment="PREPRODUCTION")
    answered(
        version,
        identity,
        "Sign-in Service",
        SIGN_IN,
    )
    factories.WorkloadFactory(team=identity, name="Audit Log", lens_version=version)
    return lead, workload


def test_lead_takes_a_milestone_and_downloads_the_pdf_report_a_worker_rendered(
    page: Page, audit, portfolio, live_worker, screenshot_dir, tmp_path
):
    lead, workload = portfolio

    sign_in(page, lead.username, audit=audit)
    expect(page.get_by_role("heading", name="Risk dashboard")).to_be_visible()
    expect(page.get_by_role("link", name="Payments Platform")).to_be_visible()
    audit()
    save_screenshot(page, screenshot_dir / "dashboard.png")

    # Open the workload (its page, as from the workload list), then its summary.
    page.get_by_role("link", name="Payments Platform").click()
    expect(page.get_by_role("heading", level=1, name="Payments Platform")).to_be_visible()
    audit()
    page.get_by_role("navigation", name="Workload sections").get_by_role(
        "link", name="Summary"
    ).click()
    expect(page.get_by_role("heading", name="Summary", exact=True)).to_be_visible()
    audit()

    sections = page.get_by_role("navigation", name="Workload sections")
    sections.get_by_role("link", name="Improvement plan").click()
    expect(page.get_by_role("heading", name="Improvement plan")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Implement loosely coupled dependencies")
    ).to_be_visible()
    audit()

    # Take a milestone, and compare it with now (nothing changed since).
    sections.get_by_role("link", name="Milestones").click()
    expect(page.get_by_role("heading", name="Take a milestone")).to_be_visible()
    audit()
    page.get_by_label("Milestone name").fill("Before launch")
    page.get_by_role("button", name="Save milestone").click()
    expect(page.get_by_text("Milestone “Before launch” saved.")).to_be_visible()
    audit()
    milestone = Milestone.objects.get(workload=workload)
    assert milestone.name == "Before launch"
    page.get_by_role("link", name="Compare with now").click()
    expect(page.get_by_role("heading", name="Compare")).to_be_visible()
    audit()

    # Request a report on the milestone; the page follows its status until the worker is done.
    page.get_by_role("navigation", name="Workload sections").get_by_role(
        "link", name="Reports"
    ).click()
    expect(page.get_by_role("heading", level=2, name="Reports")).to_be_visible()
    audit()
    page.get_by_label("Report on").select_option(label="Before launch")
    page.get_by_role("button", name="Request a PDF report").click()
    reports = page.get_by_role("list", name="Recent reports")
    expect(reports.get_by_text("Milestone “Before launch”")).to_be_visible()
    audit()  # queued or rendering: the status announces itself
    download_link = reports.get_by_role("link", name="Download PDF")
    expect(download_link).to_be_visible(timeout=90_000)
    audit()
    report = Report.objects.get(workload=workload)
    assert report.status == Report.Status.READY
    assert report.milestone == milestone

    with page.expect_download() as download_info:
        download_link.click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename.startswith("payments-platform-")
    pdf = Path(tmp_path / download.suggested_filename)
    download.save_as(pdf)

    assert pdf.read_bytes().startswith(b"%PDF-")
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    assert "Payments Platform" in text
    assert "Before launch" in text
    pdf_first_page_png(pdf, screenshot_dir / "report.png")
    assert (screenshot_dir / "report.png").read_bytes().startswith(b"\x89PNG")

    audit.assert_every_page_checked()
