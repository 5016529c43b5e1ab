"""The Content-Security-Policy as Chromium enforces it: inline code in our markup is refused,
the page's violation listener sees it (so every journey fails on a violation), and the
browser's report reaches our endpoint, which logs it."""

from __future__ import annotations

import logging
import time

import pytest
from playwright.sync_api import Browser, Route

from tests.browser.conftest import CSP_LISTENER

pytestmark = pytest.mark.browser

INJECTED = (
    '<div id="injected" style="color: rgb(255, 0, 0)">styled</div>'
    "<script>document.body.dataset.inline = 'ran';</script>"
)


def wait_for(predicate, *, timeout: float = 15.0, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def test_inline_code_in_a_page_is_refused_seen_by_the_listener_and_reported(
    chromium: Browser, live_server, caplog
):
    caplog.set_level(logging.WARNING, logger="archreview.csp")
    context = chromium.new_context(base_url=live_server.url)
    page = context.new_page()
    seen: list[str] = []
    page.expose_function("archreviewCspViolation", lambda text: seen.append(text))
    page.add_init_script(CSP_LISTENER)

    def inject(route: Route) -> None:
        # The login page as the server sent it (headers included), with inline code added.
        response = route.fetch()
        body = response.text().replace("</main>", INJECTED + "</main>")
        route.fulfill(response=response, body=body)

    page.route("**/accounts/login/", inject)
    page.goto("/accounts/login/")

    assert page.locator("#injected").evaluate("el => getComputedStyle(el).color") != (
        "rgb(255, 0, 0)"
    )
    assert page.evaluate("document.body.dataset.inline") is None
    wait_for(lambda: len(seen) >= 2, what="two violations seen by the listener")
    assert any(text.startswith("style-src-attr blocked inline") for text in seen), seen
    assert any(text.startswith("script-src-elem blocked inline") for text in seen), seen

    def reported(directive: str) -> bool:
        logged = [r.getMessage() for r in caplog.records if r.name == "archreview.csp"]
        return any(directive in message for message in logged)

    wait_for(lambda: reported("style-src-attr") and reported("script-src-elem"), what="reports")
    context.close()
