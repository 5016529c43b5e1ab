from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

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


def test_a_form_sent_without_its_security_token_says_it_expired_and_how_to_retry(db):
    client = Client(enforce_csrf_checks=True)

    response = client.post(reverse("account_login"), {"username": "ada", "password": "x"})

    assert response.status_code == 403
    html = response.content.decode()
    assert "This form has expired" in html
    assert "reload the page" in html
    assert '<main id="main"' in html
    assert "CSRF verification failed" not in html  # Django's wording is for developers
    assert "csrftoken" in response.cookies  # a fresh token, so the retry works


def test_a_request_with_too_many_fields_shows_the_styled_400_page(client, db, settings):
    fields = {f"field{i}": "x" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}

    response = client.post(reverse("account_login"), fields)

    assert response.status_code == 400
    html = response.content.decode()
    assert "The request could not be read" in html
    assert "nothing was" in html
    assert 'href="/static/bootstrap/css/bootstrap.min.css"' in html


def test_an_unknown_host_shows_the_styled_400_page(client, db):
    response = client.get("/accounts/login/", HTTP_HOST="evil.example.com")

    assert response.status_code == 400
    assert "The request could not be read" in response.content.decode()
