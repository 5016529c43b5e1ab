"""The API docs (Swagger UI) work in Chromium under the enforced Content-Security-Policy:
the operations render, and no violation or JavaScript error occurs (the ``page`` fixture fails
the test on either)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_the_api_under_the_policy(page: Page, transactional_db):
    # The docs and the schema are public (they hold no data); calls made from the page need a
    # token (Authorize) or the session.
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("archreview API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/workloads/" in [p.replace("\u200b", "") for p in paths]
