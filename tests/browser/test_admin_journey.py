"""The administrator's journey in Chromium: upload a real custom-lens JSON file in the admin,
publish it, and review a workload against it."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from questions.models import LensVersion
from reviews.models import Workload
from tests import factories
from tests.browser.helpers import PASSWORD, open_new_workload_form
from tests.factories import version_of

pytestmark = pytest.mark.browser

# aws-samples/custom-lens-wa-hub, MIT-0: see tests/browser/data/SOURCES.md.
LENS_FILE = Path(__file__).parent / "data" / "orr-whitepaper-sample.json"
LENS_NAME = "AWS Operational Readiness Review Whitepaper Sample"


def test_admin_uploads_a_lens_publishes_it_and_creates_a_workload_against_it(page: Page, audit):
    factories.TeamFactory(name="Platform")
    admin = factories.UserFactory(username="admin", is_staff=True, is_superuser=True)

    page.goto("/admin/")
    audit()
    page.get_by_label("Username").fill(admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Question banks and repairs")).to_be_visible()
    audit()

    # Upload the file as a draft.
    page.get_by_role("link", name="Lens versions").click()
    expect(page.get_by_role("link", name="Import a custom lens")).to_be_visible()
    audit()
    page.get_by_role("link", name="Import a custom lens").click()
    expect(page.get_by_role("heading", name="Import a custom lens")).to_be_visible()
    audit()
    page.get_by_label("Custom-lens JSON file").set_input_files(LENS_FILE)
    page.get_by_label("Version label").fill("ORR sample")
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("This is a draft")).to_be_visible()
    audit()
    version = LensVersion.objects.get(lens__name=LENS_NAME)
    assert version.status == LensVersion.Status.DRAFT

    # Compare (a first version: everything is new) and publish.
    page.get_by_role("link", name="Compare and publish").click()
    expect(page.get_by_role("button", name="Publish")).to_be_visible()
    audit()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text(f"Published {version}")).to_be_visible()
    audit()
    version.refresh_from_db()
    assert version.status == LensVersion.Status.PUBLISHED

    # Back in the app: a workload on the new lens.
    page.get_by_role("link", name="View site").click()
    expect(page.get_by_role("heading", name="Risk dashboard")).to_be_visible()
    audit()
    open_new_workload_form(page, audit=audit)
    page.get_by_label("Name").fill("Launch Readiness")
    page.get_by_label("Description").fill("Checks a service is ready to go live.")
    page.get_by_label("Lens").select_option(label=f"{LENS_NAME} — version 1 (ORR sample)")
    page.get_by_role("button", name="Create workload").click()
    expect(page.get_by_role("heading", name="Launch Readiness")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text=f"{LENS_NAME} v1")).to_be_visible()
    expect(page.get_by_text("0 of 16 answered", exact=True)).to_be_visible()
    audit()
    assert version_of(Workload.objects.get(name="Launch Readiness")) == version

    # Its first question comes from the uploaded file.
    page.get_by_role("link", name="Start the review").click()
    first = version.pillars.order_by("order").first().questions.order_by("order").first()
    expect(page.get_by_role("heading", level=2, name=first.title, exact=True)).to_be_visible()
    audit()

    audit.assert_every_page_checked()
