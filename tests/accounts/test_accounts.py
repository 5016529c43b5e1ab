"""Accounts: password reset by e-mail (real SMTP), password change ending other sessions,
session idle and absolute limits, two-factor with recovery codes, mail settings."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.test import Client
from django.urls import reverse

from accounts.mail import parse_email_url
from accounts.middleware import SEEN_AT, SIGNED_IN_AT
from accounts.models import AuditEvent
from tests.factories import MembershipFactory, UserFactory
from tests.smtp import links_in

PASSWORD = "correct-horse-battery"
NEW_PASSWORD = "a-much-longer-passphrase-42"


def sign_in(client: Client, login: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


# --- password reset -----------------------------------------------------------------------------
def test_password_reset_by_email_through_a_real_smtp_server(client, db, smtp_server):
    user = UserFactory(username="ada", email="ada@example.com")
    for _ in range(3):
        sign_in(client, "ada", "forgotten")

    response = client.post(reverse("account_reset_password"), {"email": "ada@example.com"})
    assert response.status_code == 302

    mail = smtp_server.mail_to("ada@example.com")
    assert "[archreview]" in mail["Subject"]
    link = next(url for url in links_in(mail) if "/password/reset/key/" in url)
    path = re.sub(r"^https?://[^/]+", "", link)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    form_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else path
    done = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302

    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert sign_in(client, "ada", NEW_PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_reset", actor=user).exists()
    # the link works once
    assert "invalid" in client.get(path, follow=True).content.decode().lower()


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db, smtp_server):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})

    assert response.status_code == 302
    assert response["Location"] == reverse("account_reset_password_done")
    send_mail("marker", "x", None, ["marker@example.com"])
    smtp_server.mail_to("marker@example.com")
    assert all("nobody@example.com" not in str(m["To"]) for m in smtp_server.messages)


def test_password_reset_requests_are_limited_per_address(client, db):
    UserFactory(username="ada", email="ada@example.com")
    statuses = [
        client.post(reverse("account_reset_password"), {"email": "ada@example.com"}).status_code
        for _ in range(6)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5] == 429


# --- password change and sessions ---------------------------------------------------------------
def test_changing_the_password_ends_the_users_other_sessions(db):
    user = UserFactory(username="ada")
    here, elsewhere = Client(), Client()
    assert sign_in(here, "ada").status_code == 302
    assert sign_in(elsewhere, "ada").status_code == 302

    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert here.get(reverse("reviews:dashboard")).status_code == 200
    assert elsewhere.get(reverse("reviews:dashboard")).status_code == 302
    assert AuditEvent.objects.filter(action="auth.password_changed", actor=user).exists()


def _age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_an_idle_session_ends(client, db, settings):
    client.force_login(UserFactory())
    _age_session(client, archreview_seen_at=settings.SESSION_IDLE_TIMEOUT + 1)

    response = client.get(reverse("reviews:dashboard"), follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session
    assert "period of inactivity" in response.content.decode()


def test_a_session_ends_at_its_absolute_lifetime_even_when_busy(client, db, settings):
    client.force_login(UserFactory())
    _age_session(client, archreview_signed_in_at=settings.SESSION_MAX_AGE + 1, archreview_seen_at=5)

    response = client.get(reverse("reviews:dashboard"))

    assert response.status_code == 302
    assert SESSION_KEY not in client.session


def test_a_recent_session_goes_on_and_its_clock_moves(client, db, settings):
    client.force_login(UserFactory())
    _age_session(client, archreview_seen_at=settings.SESSION_IDLE_TIMEOUT - 60)

    assert client.get(reverse("reviews:dashboard")).status_code == 200
    assert int(time.time()) - client.session[SEEN_AT] < 60
    assert client.session[SIGNED_IN_AT]


# --- two-factor ---------------------------------------------------------------------------------
def _activate_totp(client: Client, on_commit) -> str:
    page = client.get(reverse("mfa_activate_totp"))
    # Setting up two-factor asks for the password again first (allauth's reauthentication).
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("account_reauthenticate"))
    assert client.post(page["Location"], {"password": PASSWORD}).status_code == 302
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200, page.status_code
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    with on_commit(execute=True):  # allauth signals the new authenticator after commit
        response = client.post(reverse("mfa_activate_totp"), {"code": code})
    assert response.status_code == 302
    return secret


def test_a_user_turns_on_totp_and_then_signs_in_with_a_recovery_code(
    db, django_capture_on_commit_callbacks
):
    user = UserFactory(username="ada")
    client = Client()
    sign_in(client, "ada")
    _activate_totp(client, django_capture_on_commit_callbacks)
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert AuditEvent.objects.filter(action="auth.mfa_enabled", actor=user).exists()
    codes = Authenticator.objects.get(user=user, type="recovery_codes")
    recovery = RecoveryCodes(codes).get_unused_codes()
    assert len(recovery) >= 8
    client.post(reverse("account_logout"))

    response = sign_in(client, "ada")
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session  # not before the second factor
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and SESSION_KEY not in client.session
    done = client.post(reverse("mfa_authenticate"), {"code": recovery[0]})
    assert done.status_code == 302
    assert client.session[SESSION_KEY] == str(user.pk)


@pytest.mark.parametrize("staff", [True, False])
def test_admins_must_set_up_two_factor_when_required(
    staff, db, settings, django_capture_on_commit_callbacks
):
    settings.MFA_REQUIRED_FOR_ADMINS = True
    user = MembershipFactory(user__username="root", user__is_staff=staff).user
    client = Client()
    sign_in(client, "root")

    response = client.get(reverse("reviews:dashboard"))

    if not staff:
        assert response.status_code == 200
        return
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    _activate_totp(client, django_capture_on_commit_callbacks)
    assert client.get(reverse("reviews:dashboard")).status_code == 200
    assert Authenticator.objects.filter(user=user).exists()


# --- mail settings ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp+tls://u%40x:p%2Fw@mail.example.com",
            ("mail.example.com", 587, "u@x", "p/w", True, False),
        ),
        ("smtps://mail.example.com:2465", ("mail.example.com", 2465, "", "", False, True)),
        ("smtp://relay.example.com", ("relay.example.com", 25, "", "", False, False)),
    ],
)
def test_email_url_gives_the_smtp_settings(url, expected):
    assert parse_email_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "smtp://h:port"])
def test_a_bad_email_url_stops_the_start(url):
    with pytest.raises(ImproperlyConfigured):
        parse_email_url(url)


def test_mail_to_a_loopback_server_is_refused_unless_allowed(smtp_server, settings):
    settings.EMAIL_ALLOW_PRIVATE_HOSTS = False

    with pytest.raises(OSError, match="private or loopback"):
        send_mail("hello", "body", None, ["someone@example.com"])
    assert smtp_server.messages == []
