"""The API tokens page in Chromium: a new token is shown once, works, and is revoked there.
Every page is checked by axe-core, at phone and desktop widths, under the enforced CSP."""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from api.models import ApiToken
from tests import factories
from tests.browser.helpers import sign_in

pytestmark = pytest.mark.browser


def test_create_copy_and_revoke_a_token(page: Page, audit, transactional_db):
    user = factories.MembershipFactory(role="architect").user
    sign_in(page, user.username, audit=audit)
    audit()  # the dashboard it lands on
    page.get_by_role("button", name=user.username).click()
    page.get_by_role("link", name="API tokens").click()
    audit()
    expect(page.get_by_text("You have no API tokens yet.")).to_be_visible()

    page.get_by_label("Name").fill("release pipeline")
    page.get_by_label("Read and write").check()
    page.get_by_role("button", name="Create token").click()
    audit()
    token = page.get_by_label("Token").input_value()
    assert token.startswith("arv_")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/teams/").status_code == 200
    row = page.get_by_role("row", name="release pipeline")
    expect(row).to_contain_text("Read and write")

    # Shown once: the token is in the POST's answer only (never stored, not even in the
    # session), so opening the page again does not show it.
    page.goto("/settings/api-tokens/")
    audit()
    expect(page.get_by_label("Token")).to_have_count(0)
    page.get_by_role("button", name="Revoke release pipeline").click()
    audit()
    expect(page.get_by_role("row", name="release pipeline")).to_contain_text("Revoked")
    assert ApiToken.objects.get().revoked_at is not None
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/teams/").status_code == 401
    audit.assert_every_page_checked()
