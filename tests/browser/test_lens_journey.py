"""Several lenses on one workload, in Chromium: an architect adds an imported lens beside the
shipped REL bank and answers both; a lead takes a milestone and downloads one PDF with both."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from questions.banks import load_rel_bank
from questions.importer import lens_import
from reviews.models import LensReview, Milestone, Report, Workload
from reviews.services.counts import counts_recompute
from tests import factories
from tests.browser.helpers import open_new_workload_form, save_screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.worker]

ORR = Path(__file__).parents[1] / "reviews" / "data" / "lenses" / "orr-whitepaper-sample.json"
ORR_NAME = "AWS Operational Readiness Review Whitepaper Sample"
REL3 = "REL 3. How do you design your workload service architecture?"
ORR1 = "Architecture Diagram (H)"


def saved(page: Page, change) -> None:
    with page.expect_response(lambda r: r.request.method == "POST" and "/questions/" in r.url):
        change()
    expect(page.locator("#save-status")).to_contain_text("Saved")


def test_two_lenses_on_one_workload_from_answers_to_one_pdf(
    page: Page, audit, live_worker, screenshot_dir, tmp_path
):
    rel = load_rel_bank()
    orr = lens_import(data=ORR.read_bytes(), publish=True).version
    team = factories.TeamFactory(name="Orders")
    architect = factories.MembershipFactory(team=team, role="architect", user__username="ari").user
    lead = factories.MembershipFactory(team=team, role="lead", user__username="lee").user

    # The architect creates a workload: the REL bank is its first lens.
    sign_in(page, architect.username, audit=audit)
    audit()  # the dashboard
    open_new_workload_form(page, audit=audit)
    page.get_by_label("Name").fill("Order Service")
    page.get_by_label("Description").fill("Takes and tracks orders.")
    page.get_by_role("button", name="Create workload").click()
    expect(page.get_by_role("heading", name="Order Service")).to_be_visible()
    audit()
    workload = Workload.objects.get(name="Order Service")

    # ... and adds the imported lens from the workload page.
    page.get_by_label("Add a lens").select_option(value=str(orr.pk))
    page.get_by_role("button", name="Add lens").click()
    expect(page.get_by_text(f"“{orr.name}” added to the review.")).to_be_visible()
    lenses = page.get_by_role("region", name="Lenses")
    expect(lenses.get_by_text("0 of 3 answered")).to_be_visible()
    expect(lenses.get_by_text("0 of 16 answered")).to_be_visible()
    audit()
    reviews = list(LensReview.objects.filter(workload=workload).order_by("position"))
    assert [r.lens_version for r in reviews] == [rel, orr]

    # One answer in each lens: REL 3 (a practice), then the first ORR question (one practice).
    page.get_by_role("link", name="Start the review").click()
    expect(page.get_by_role("heading", name=REL3)).to_be_visible()
    audit()
    saved(
        page, lambda: page.get_by_label("Choose how to segment your workload", exact=True).check()
    )
    nav = page.get_by_role("navigation", name="Questions")
    nav.locator("summary", has_text="01 - Architecture").click()
    nav.get_by_role("link", name=ORR1).click()
    expect(page.get_by_role("heading", name=ORR1)).to_be_visible()
    audit()
    saved(page, lambda: page.locator("#bp-1").check())
    save_screenshot(page, screenshot_dir / "two-lenses-question.png")

    # Per-lens and total counts.
    page.get_by_role("link", name="Overview of the review").click()
    lenses = page.get_by_role("region", name="Lenses")
    expect(lenses.get_by_text("1 of 3 answered")).to_be_visible()
    expect(lenses.get_by_text("1 of 16 answered")).to_be_visible()
    expect(page.get_by_text("2 of 19 answered")).to_be_visible()
    audit()
    workload.refresh_from_db()
    assert workload.answered == 2 and workload.total == 19
    assert counts_recompute(fix=False, workload_ids=[workload.pk]) == []
    page.get_by_role("navigation", name="Workload sections").get_by_role(
        "link", name="Summary"
    ).click()
    expect(page.get_by_text("2 of 19 answered")).to_be_visible()
    audit()
    page.context.clear_cookies()

    # The lead takes a milestone and downloads one PDF report that covers both lenses.
    sign_in(page, lead.username, audit=audit, path=f"/workloads/{workload.pk}/milestones/")
    expect(page.get_by_role("heading", name="Take a milestone")).to_be_visible()
    audit()
    page.get_by_label("Milestone name").fill("Two lenses")
    page.get_by_role("button", name="Save milestone").click()
    expect(page.get_by_text("Milestone “Two lenses” saved.")).to_be_visible()
    audit()
    milestone = Milestone.objects.get(workload=workload)
    assert milestone.lenses.count() == 2
    page.get_by_role("navigation", name="Workload sections").get_by_role(
        "link", name="Reports"
    ).click()
    page.get_by_label("Report on").select_option(label="Two lenses")
    page.get_by_role("button", name="Request a PDF report").click()
    reports = page.get_by_role("list", name="Recent reports")
    download_link = reports.get_by_role("link", name="Download PDF")
    expect(download_link).to_be_visible(timeout=90_000)
    audit()
    assert Report.objects.get(workload=workload).status == Report.Status.READY
    with page.expect_download() as download_info:
        download_link.click()
    pdf = Path(tmp_path / download_info.value.suggested_filename)
    download_info.value.save_as(pdf)
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    flat = " ".join(text.split())
    # The cover lists every lens; the questions of both are in the report.
    assert ORR_NAME in flat and rel.name in flat and "Two lenses" in flat
    assert ORR1 in flat and REL3 in flat
    audit.assert_every_page_checked()
