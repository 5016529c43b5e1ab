from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.urls("tests.config.error_urls")


@pytest.fixture(autouse=True)
def _production_mode(settings):
    # The styled pages only show with DEBUG off; with it on Django shows its debug pages.
    settings.DEBUG = False


def test_unknown_url_shows_the_styled_404_page(client, db):
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert 'href="/static/bootstrap/css/bootstrap.min.css"' in html
    assert '<main id="main"' in html


def test_forbidden_action_shows_the_styled_403_page(client, db):
    client.force_login(UserFactory())

    response = client.get("/test-errors/403/")

    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_a_crash_shows_the_styled_500_page_without_details(db):
    client = Client(raise_request_exception=False)

    response = client.get("/test-errors/500/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "boom" not in html
    assert "Traceback" not in html
