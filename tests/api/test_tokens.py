"""Personal API tokens: stored as a hash, shown once, revoked or expired -> 401, throttled."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from api.models import ApiToken
from api.services import token_create
from tests import factories

TEAMS = "/api/v1/teams/"


def test_the_token_is_stored_only_as_its_sha256(architect):
    _row, token = token_create(user=architect, name="ci", scope="write")
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM api_apitoken")
        rows = cursor.fetchall()
    stored = " ".join(str(value) for row in rows for value in row)
    secret = token.rsplit("_", 1)[1]
    assert token not in stored and secret not in stored
    assert hashlib.sha256(token.encode()).hexdigest() in stored


def test_a_token_authenticates_as_its_owner_and_records_last_use(architect, api_for):
    client = api_for(architect)
    response = client.get(TEAMS)
    assert response.status_code == 200, response.content
    assert [t["id"] for t in response.json()["results"]] == [architect.memberships.get().team_id]
    assert ApiToken.objects.get(user=architect).last_used_at is not None


@pytest.mark.parametrize(
    "change",
    [
        {"revoked_at": timezone.now()},
        {"expires_at": timezone.now() - timedelta(seconds=1)},
    ],
    ids=["revoked", "expired"],
)
def test_revoked_or_expired_tokens_get_401(architect, token_for, change):
    token = token_for(architect)
    ApiToken.objects.filter(user=architect).update(**change)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(TEAMS)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    "header", ["Bearer", "Bearer nonsense", "Bearer arv_0000000_x", "Bearer a b"]
)
def test_malformed_or_unknown_tokens_get_401(db, header):
    assert Client(HTTP_AUTHORIZATION=header).get(TEAMS).status_code == 401


def test_a_guessed_secret_with_a_real_prefix_gets_401(architect, token_for):
    token = token_for(architect)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert Client(HTTP_AUTHORIZATION=f"Bearer {forged}").get(TEAMS).status_code == 401


def test_no_credentials_get_401(db):
    response = Client().get(TEAMS)
    assert response.status_code == 401
    assert "Bearer" in response["WWW-Authenticate"]


def test_a_read_only_token_cannot_write(architect, api_for):
    team = architect.memberships.get().team
    response = api_for(architect, "read").post(
        "/api/v1/workloads/",
        {"name": "Payments", "description": "Card payments", "team": team.pk},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["detail"]


@override_settings(API_THROTTLE_RATE="3/min")
def test_a_token_over_its_rate_gets_429_with_retry_after(architect, token_for):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(architect)}")
    other = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(architect)}")
    assert [client.get(TEAMS).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(TEAMS)
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert 1 <= int(response["Retry-After"]) <= 60
    # Counted per token: another token of the same user still gets through.
    assert other.get(TEAMS).status_code == 200


# --- the page ---------------------------------------------------------------------------------
def test_the_page_shows_a_new_token_once(architect, client_for):
    client = client_for(architect)
    url = reverse("api_tokens:list")
    response = client.post(url, {"name": "release pipeline", "scope": "write", "expires": "30"})
    assert response.status_code == 200
    token = response.context["created"]
    assert token.startswith("arv_") and token in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    row = ApiToken.objects.get(user=architect)
    assert row.scope == "write" and row.expires_at > timezone.now() + timedelta(days=29)
    page = client.get(url).content.decode()
    assert "release pipeline" in page and token not in page
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(TEAMS).status_code == 200


def test_the_page_refuses_a_token_without_a_name(architect, client_for):
    response = client_for(architect).post(
        reverse("api_tokens:list"), {"name": "", "scope": "read", "expires": "never"}
    )
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_revoking_on_the_page_makes_the_token_401(architect, client_for, token_for):
    token = token_for(architect)
    row = ApiToken.objects.get(user=architect)
    response = client_for(architect).post(reverse("api_tokens:revoke", args=[row.pk]))
    assert response.status_code == 302
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(TEAMS).status_code == 401
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions == ["api_token.created", "api_token.revoked"]


def test_another_users_token_cannot_be_revoked(architect, client_for, token_for):
    token_for(architect)
    row = ApiToken.objects.get(user=architect)
    outsider = factories.UserFactory()
    response = client_for(outsider).post(reverse("api_tokens:revoke", args=[row.pk]))
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=row.pk).revoked_at is None
    assert "test" not in client_for(outsider).get(reverse("api_tokens:list")).content.decode()


def test_the_page_has_a_fixed_number_of_queries(architect, client_for, django_assert_num_queries):
    client = client_for(architect)
    for n in range(3):
        token_create(user=architect, name=f"t{n}", scope="read")
    # session, user, tokens
    with django_assert_num_queries(3):
        client.get(reverse("api_tokens:list"))
    for n in range(10):
        token_create(user=architect, name=f"u{n}", scope="read")
    with django_assert_num_queries(3):
        client.get(reverse("api_tokens:list"))


def test_the_command_prints_a_working_token(architect):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("api_token_create", architect.username, "ci", "--scope", "write", stdout=out)
    token = out.getvalue().strip()
    assert ApiToken.objects.get(user=architect).scope == "write"
    assert Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(TEAMS).status_code == 200
