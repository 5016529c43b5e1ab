"""A failed htmx request is shown to the user with what to do next (static/js/htmx-errors.js):
htmx itself swaps nothing for an error answer, so without it a failed click looks like nothing
happened. Real Chromium against the live server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from reviews.models import Membership, Report
from tests import factories
from tests.browser.helpers import DESKTOP, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def quiet_page(chromium: Browser, live_server) -> Iterator[Page]:
    # Not the shared ``page`` fixture: that one fails on console errors, and Chromium logs
    # every failed request there, which is the point of this test. Script errors still fail.
    context = chromium.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(15_000)
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    yield page
    context.close()
    assert script_errors == []


def test_a_failed_report_request_says_what_happened_and_what_to_do(quiet_page: Page):
    page = quiet_page
    membership = factories.MembershipFactory(role="architect", user__username="casey")
    workload = factories.WorkloadFactory(team=membership.team, name="Checkout")
    sign_in(page, "casey", audit=lambda: None, path=f"/workloads/{workload.pk}/reports/")
    alert = page.locator("#htmx-error")
    request_button = page.get_by_role("button", name="Request a PDF report")

    # The network fails: the browser never reaches the server.
    page.route("**/reports/request/", lambda route: route.abort())
    request_button.click()
    expect(alert).to_be_visible()
    expect(alert).to_have_attribute("role", "alert")
    expect(alert).to_contain_text("could not be reached")
    assert not Report.objects.exists()

    # Back online, the same button works and the message goes away.
    page.unroute("**/reports/request/")
    request_button.click()
    expect(page.get_by_text("Queued: it starts as soon as a worker is reachable")).to_be_visible()
    expect(alert).to_be_hidden()

    # A real error answer: the user lost access meanwhile, so the server says 404.
    Membership.objects.filter(pk=membership.pk).delete()
    page.get_by_role("button", name="Request a PDF report").click()
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("no longer have access")
    expect(alert).to_contain_text("Reload the page")
    assert Report.objects.count() == 1
