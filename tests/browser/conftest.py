"""Browser journeys: Debian's Chromium driven by Playwright against pytest-django's live server,
with a real Celery worker when a journey needs one (``live_worker`` from tests/conftest.py).

Why Playwright is started per module and not per session (pytest-playwright's own ``browser``
fixture): the sync API keeps an asyncio event loop running in the main thread for as long as it
is started, and Django refuses ORM calls while a loop runs. Stopping Playwright when the module
ends keeps every other test module free of that loop; inside the module
DJANGO_ALLOW_ASYNC_UNSAFE lets the test thread use the ORM, which is safe here because the
loop only ever drives the browser.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.test.utils import override_settings
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pytest_django.live_server_helper import LiveServer

from tests.browser.axe import assert_accessible
from tests.browser.helpers import (
    DESKTOP,
    assert_breadcrumb_scheme,
    assert_fits_phone_and_desktop,
    assert_risk_not_by_colour_alone,
)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# No sandbox: tests may run as root in a container. The networking flags stop Chromium's own
# background traffic (updates, sync, QUIC probes), which fails noisily on a machine without
# internet access and is none of the app's business.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


FAILURE_DIR = Path(__file__).resolve().parents[2] / "test-results"
# Assertions wait for the page as long as actions do: a busy 2-core machine is slow.
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def live_server(request) -> Iterator[LiveServer]:
    """pytest-django's live server, started with a placeholder MEDIA_URL.

    Settings keep MEDIA_URL unset because reports are streamed by an authenticated view, never
    served from a public URL; Django's live server thread cannot start without a media prefix.
    The placeholder only exists in this test server and nothing links to it.
    """
    addr = (
        request.config.getvalue("liveserver")
        or os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS")
        or "localhost"
    )
    with override_settings(MEDIA_URL="/__live-server-media-unused__/"):
        server = LiveServer(addr)  # the server thread reads MEDIA_URL before it is ready
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    """pytest-playwright's launch options (``--headed``, ``--slowmo``) plus Debian's Chromium."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def chromium(browser_type_launch_args: dict, live_server) -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        raise RuntimeError(
            f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium), "
            "or set CHROMIUM_PATH to a Chromium binary."
        )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(**browser_type_launch_args)
            yield browser
            browser.close()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    # Before any worker starts: LiveWorker hands MEDIA_ROOT to the worker's environment, and
    # the live server (same process) streams the report from the same folder.
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@dataclass
class Audit:
    """Runs axe-core on the page, checks risk badges carry words and the page fits a phone and
    a desktop, and remembers which pages were checked, so a journey can prove it checked every
    page it visited (``assert_every_page_checked``)."""

    page: Page
    visited: list[str] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)

    def __call__(self) -> None:
        # A click returns once navigation starts: check the new page, fully loaded.
        self.page.wait_for_load_state("load")
        assert_accessible(self.page)
        assert_risk_not_by_colour_alone(self.page)
        assert_fits_phone_and_desktop(self.page)
        assert_breadcrumb_scheme(self.page)
        self.checked.add(self.page.url)

    def unchecked(self) -> list[str]:
        return [url for url in dict.fromkeys(self.visited) if url not in self.checked]

    def assert_every_page_checked(self) -> None:
        missing = self.unchecked()
        assert not missing, f"pages visited without an axe-core check: {missing}"


@dataclass
class PageErrors:
    messages: list[str] = field(default_factory=list)


# Every Content-Security-Policy violation the browser sees (the policy is enforced, not
# report-only) is handed to the test, whichever page raised it: the listener is installed in
# each new document before any of the page's own code runs. Only code the test itself
# evaluates through the DevTools protocol has no source file (axe-core inserts a <style> on
# some pages); markup, static files and their handlers all have one.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  if (!event.sourceFile) return;
  window.archreviewCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} on ${event.documentURI}`
    + ` (${event.sourceFile}:${event.lineNumber}) ${event.sample}`
  );
});
"""


@pytest.fixture
def page(chromium: Browser, live_server, request) -> Iterator[Page]:
    """A fresh desktop-sized page on the live server; JavaScript errors and Content-Security-
    Policy violations fail the test, and a failed test leaves a screenshot of the page in
    test-results/."""
    context = chromium.new_context(
        base_url=live_server.url,
        viewport=DESKTOP,
        accept_downloads=True,
        locale="en-GB",
        timezone_id="UTC",
        reduced_motion="reduce",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors = PageErrors()
    page.expose_function(
        "archreviewCspViolation", lambda text: errors.messages.append(f"CSP violation: {text}")
    )
    page.add_init_script(CSP_LISTENER)
    page.on("pageerror", lambda error: errors.messages.append(f"page error: {error}"))

    def on_console(message) -> None:
        if message.type == "error" and not (
            # the same violations as the listener's, from the test's own evaluated code
            "Content Security Policy" in message.text and not message.location.get("url")
        ):
            errors.messages.append(f"console error: {message.text} ({message.location})")

    page.on("console", on_console)
    yield page
    outcome = getattr(request.node, "rep_call", None)  # set by pytest-playwright's hook
    if outcome is not None and outcome.failed:
        FAILURE_DIR.mkdir(exist_ok=True)
        page.screenshot(path=FAILURE_DIR / f"{request.node.name}.png", full_page=True)
    context.close()
    assert not errors.messages, "\n".join(errors.messages)


@pytest.fixture
def audit(page: Page) -> Audit:
    checker = Audit(page)
    page.on(
        "framenavigated",
        lambda frame: checker.visited.append(frame.url) if frame == page.main_frame else None,
    )
    return checker


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    """Where journeys save their screenshots: docs/screenshots/ with ``make screenshots``
    (SCREENSHOTS_DIR), a temporary folder otherwise so a test run leaves the tree clean."""
    wanted = os.environ.get("SCREENSHOTS_DIR")
    folder = Path(wanted) if wanted else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
