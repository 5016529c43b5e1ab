"""Improvement items in Chromium: an architect assigns an item to a colleague with a due date,
the colleague finds it under "My items" and marks it done, the lead downloads the team's CSV."""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import Page, expect

from reviews.models import ImprovementItem
from tests import factories
from tests.browser.helpers import main_nav, sign_in
from tests.reviews.test_items import answer

pytestmark = pytest.mark.browser


@pytest.fixture
def team(transactional_db):
    architect = factories.MembershipFactory(role="architect", user__username="ana").user
    colleague = factories.MembershipFactory(
        team=factories.TeamFactory(name="Payments"), role="architect", user__username="carlos"
    )
    factories.MembershipFactory(team=colleague.team, user=architect, role="architect")
    lead = factories.MembershipFactory(team=colleague.team, role="lead", user__username="lee")
    workload = factories.WorkloadFactory(team=colleague.team, name="Checkout")
    answer(workload, "q0", architect, selected=["q0_c0", "q0_c2", "q0_c3"])  # q0_c1 at risk
    return {
        "architect": architect,
        "colleague": colleague.user,
        "lead": lead.user,
        "workload": workload,
        "item": ImprovementItem.objects.get(workload=workload),
    }


def sign_out(page: Page, audit) -> None:
    page.get_by_role("navigation", name="Main navigation").get_by_role(
        "button", name="Signed in as"
    ).click()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    audit()


def test_an_item_is_assigned_done_and_exported(page: Page, audit, team):
    item = team["item"]
    sign_in(page, "ana", audit=audit, path=f"/workloads/{team['workload'].pk}/items/")
    expect(page.get_by_role("heading", name="Improvement items")).to_be_visible()
    audit()
    page.get_by_label(f"Owner of {item.practice_title}").select_option(label="carlos")
    page.get_by_label(f"Due date of {item.practice_title}").fill("2030-06-30")
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.get_by_role("button", name=f"Save {item.practice_title}").click()
    assert saved.value.status == 200
    # htmx swaps the row in place: the saved values come back in it.
    expect(page.get_by_label(f"Owner of {item.practice_title}")).to_have_value(
        str(team["colleague"].pk)
    )
    item.refresh_from_db()
    assert (item.owner, str(item.due_date)) == (team["colleague"], "2030-06-30")
    audit()
    sign_out(page, audit)

    sign_in(page, "carlos", audit=audit)
    audit()
    main_nav(page, "My items").click()
    expect(page.get_by_role("heading", name="My items")).to_be_visible()
    audit()
    page.get_by_role("link", name=item.practice_title).click()
    expect(page.get_by_role("heading", name=item.practice_title, level=2)).to_be_visible()
    audit()
    page.get_by_role("combobox", name="Status").select_option(label="Done")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text(f"Saved: {item.practice_title}.")).to_be_visible()
    audit()
    item.refresh_from_db()
    assert item.status == ImprovementItem.Status.DONE
    sign_out(page, audit)

    sign_in(page, "lee", audit=audit)
    audit()
    main_nav(page, "Items").click()
    expect(page.get_by_role("heading", name="Improvement items")).to_be_visible()
    audit()
    page.get_by_role("combobox", name="Status").select_option(label="All")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=item.practice_title)).to_be_visible()
    audit()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("improvement-items-")
    with open(download.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    done = [r for r in rows if r["id"] == str(item.pk)]
    assert done and done[0]["status"] == "done" and done[0]["owner"] == "carlos"
    assert done[0]["due_date"] == "2030-06-30"
    audit.assert_every_page_checked()
