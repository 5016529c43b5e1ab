"""Single sign-on (OpenID Connect) against a real provider in its own process on loopback
(tests/oidc_provider.py): code flow with PKCE, signed ID tokens checked for signature, issuer,
audience and nonce; users matched by verified e-mail; refusals explained."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import SESSION_KEY, get_user_model
from django.urls import reverse

from accounts.models import AuditEvent
from reviews.models import Membership
from tests.factories import TeamFactory, UserFactory

CLIENT_ID = "archreview-test"
CLIENT_SECRET = "s3cret-for-tests"
ROOT = Path(__file__).resolve().parents[2]


class Provider:
    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.oidc_provider",
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                CLIENT_SECRET,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        line = ""
        while time.monotonic() < deadline and not line.startswith("READY "):
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                raise RuntimeError("the test OpenID provider did not start")
        assert line.startswith("READY "), "the test OpenID provider did not start in time"
        self.issuer = line.split()[1]

    def control(self, **values) -> None:
        request = urllib.request.Request(
            f"{self.issuer}/_control",
            data=json.dumps(values).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            assert response.status == 200

    def log(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.issuer}/_log", timeout=5) as response:
            return json.loads(response.read())["log"]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def provider():
    running = Provider()
    yield running
    running.stop()


@pytest.fixture
def sso(provider, settings, db):
    """Single sign-on configured against the test provider, as the environment would."""
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_BUTTON_LABEL = "Sign in with Example ID"
    providers = json.loads(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))
    providers["openid_connect"]["APPS"] = [
        {
            "provider_id": "sso",
            "name": "Sign in with Example ID",
            "client_id": CLIENT_ID,
            "secret": CLIENT_SECRET,
            "settings": {"server_url": provider.issuer, "fetch_userinfo": False},
        }
    ]
    settings.SOCIALACCOUNT_PROVIDERS = providers
    provider.control(mode="normal", sub="alice-1", email="alice@example.com", email_verified=True)
    return provider


def sign_in_with_sso(client):
    """Press the button, let the provider answer, follow its redirect back; the last response."""
    start = client.post(reverse("openid_connect_login", kwargs={"provider_id": "sso"}))
    assert start.status_code == 302, start.content.decode()[:500]
    authorize = start["Location"]
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(authorize, timeout=5)
        raise AssertionError("the provider did not redirect back")
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302
        back = urlsplit(redirect.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")
    return authorize, response


def test_the_sign_in_page_offers_the_configured_button(client, sso):
    html = client.get(reverse("account_login")).content.decode()
    assert "Sign in with Example ID" in html
    assert 'action="/accounts/oidc/sso/login/"' in html


def test_an_existing_user_signs_in_by_verified_email_with_pkce_and_nonce(client, sso):
    user = UserFactory(username="alice", email="Alice@Example.com")

    authorize, response = sign_in_with_sso(client)

    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["code_challenge"][0] and query["nonce"][0]
    assert {"token": {"pkce_ok": True}} in sso.log()
    assert response.status_code == 302
    assert response["Location"] == reverse("reviews:dashboard")
    assert client.session[SESSION_KEY] == str(user.pk)
    user.refresh_from_db()
    assert user.has_usable_password()  # matching by e-mail never wipes the password
    assert AuditEvent.objects.filter(action="auth.login", actor=user).exists()
    # and the second time through the linked account
    client.logout()
    _, again = sign_in_with_sso(client)
    assert again.status_code == 302 and client.session[SESSION_KEY] == str(user.pk)


def refused(response, message: str) -> None:
    html = response.content.decode()
    assert message in html, html[:2000]
    assert response.status_code in (401, 403)


def test_a_token_from_another_issuer_is_refused(client, sso):
    UserFactory(username="alice", email="alice@example.com")
    sso.control(mode="wrong_issuer")

    _, response = sign_in_with_sso(client)

    refused(response, "issued by another identity provider than the one configured")
    assert SESSION_KEY not in client.session


def test_a_token_with_a_bad_signature_is_refused(client, sso):
    UserFactory(username="alice", email="alice@example.com")
    sso.control(mode="bad_signature")

    _, response = sign_in_with_sso(client)

    refused(response, "signature could not be verified")
    assert SESSION_KEY not in client.session


def test_a_replayed_nonce_is_refused(client, sso):
    UserFactory(username="alice", email="alice@example.com")
    sign_in_with_sso(client)
    client.logout()
    sso.control(mode="replay_nonce")  # the next token carries the previous sign-in's nonce

    _, response = sign_in_with_sso(client)

    refused(response, "its nonce does not match")
    assert SESSION_KEY not in client.session


def test_an_unverified_email_is_refused(client, sso):
    UserFactory(username="alice", email="alice@example.com")
    sso.control(email_verified=False)

    _, response = sign_in_with_sso(client)

    refused(response, "has not verified your e-mail address")
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="auth.sso_refused").exists()


def test_an_unknown_person_is_refused_by_default(client, sso):
    sso.control(email="stranger@example.com", sub="stranger")

    _, response = sign_in_with_sso(client)

    refused(response, "No archreview account uses the address stranger@example.com")
    assert not get_user_model().objects.filter(email="stranger@example.com").exists()


def test_an_unknown_person_is_created_in_the_default_team_when_allowed(client, sso, settings):
    team = TeamFactory(name="Platform")
    settings.OIDC_CREATE_USERS = True
    settings.OIDC_DEFAULT_TEAM = "Platform"
    settings.OIDC_DEFAULT_ROLE = "lead"
    sso.control(email="newcomer@example.com", sub="newcomer")

    _, response = sign_in_with_sso(client)

    assert response.status_code == 302
    user = get_user_model().objects.get(email="newcomer@example.com")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert Membership.objects.get(user=user).team == team
    assert Membership.objects.get(user=user).role == "lead"
    assert not user.has_usable_password()


def test_password_sign_in_can_be_switched_off(client, sso, settings):
    settings.SOCIALACCOUNT_ONLY = True
    UserFactory(username="ada")

    html = client.get(reverse("account_login")).content.decode()
    response = client.post(reverse("account_login"), {"login": "ada", "password": "x"})

    assert 'name="password"' not in html
    assert "Sign in with Example ID" in html
    assert SESSION_KEY not in client.session
    assert response.status_code != 302 or "dashboard" not in response.get("Location", "")


def test_an_invited_person_signs_up_through_sso_and_joins_from_the_link(client, sso):
    from accounts.invitations import invitation_create
    from reviews.models import GrantedRole

    team = TeamFactory(name="Payments")
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    _, token = invitation_create(
        actor=admin, team=team, email="stranger@example.com", role=GrantedRole.ARCHITECT
    )
    accept_url = reverse("accounts:invitation_accept", kwargs={"token": token})
    sso.control(email="stranger@example.com", sub="stranger")

    page = client.get(accept_url).content.decode()
    assert "Sign in with Example ID" in page
    start = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": "sso"}), {"next": accept_url}
    )
    assert start.status_code == 302, start.content.decode()[:500]
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(start["Location"], timeout=5)
        raise AssertionError("the provider did not redirect back")
    except urllib.error.HTTPError as redirect:
        back = urlsplit(redirect.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")

    user = get_user_model().objects.get(email="stranger@example.com")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert response.status_code == 302 and response["Location"] == accept_url
    assert not Membership.objects.filter(user=user).exists()  # not before they accept

    joined = client.post(accept_url)

    assert joined.status_code == 302
    assert Membership.objects.get(user=user, team=team).role == "architect"
