"""Sign-in throttling: 10 failures for one account in 5 minutes lock it (HTTP 429, even with
the right password, no password hashed), on the app's sign-in and the admin's."""

from __future__ import annotations

import re
import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from accounts.models import AuditEvent
from tests.accounts.hashers import CountingPBKDF2PasswordHasher
from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"
LOGIN = "/accounts/login/"


@pytest.fixture
def counting_hasher(settings):
    settings.PASSWORD_HASHERS = ["tests.accounts.hashers.CountingPBKDF2PasswordHasher"]
    CountingPBKDF2PasswordHasher.calls = 0
    return CountingPBKDF2PasswordHasher


def fail(client: Client, login: str, times: int, **extra) -> None:
    for _ in range(times):
        response = client.post(LOGIN, {"login": login, "password": "wrong-guess"}, **extra)
        assert response.status_code == 200
        assert "not correct" in response.content.decode()


def test_the_eleventh_try_is_refused_with_429_and_when_even_with_the_right_password(
    client, db, counting_hasher
):
    UserFactory(username="ada")
    fail(client, "ada", 10)
    hashes_before = counting_hasher.calls

    response = client.post(LOGIN, {"login": "ada", "password": PASSWORD})

    assert response.status_code == 429
    html = response.content.decode()
    assert "too many failed sign-in attempts for this account" in html
    assert re.search(r"Try again after \d\d:\d\d:\d\d UTC \(in \d+ seconds\)", html)
    assert 0 < int(response["Retry-After"]) <= 300
    assert SESSION_KEY not in client.session
    assert counting_hasher.calls == hashes_before  # refused before any hashing


def test_the_lock_covers_the_account_whichever_name_is_typed(client, db):
    UserFactory(username="ada", email="ada@example.com")
    fail(client, "ada", 5)
    fail(client, "ADA@example.com", 5)

    response = client.post(LOGIN, {"login": "ada@example.com", "password": PASSWORD})

    assert response.status_code == 429


def test_another_account_and_the_same_account_before_ten_failures_still_sign_in(client, db):
    UserFactory(username="ada")
    UserFactory(username="grace")
    fail(client, "ada", 9)

    assert client.post(LOGIN, {"login": "ada", "password": PASSWORD}).status_code == 302
    client.logout()
    fail(client, "ada", 1)  # the success did not count: this is the 10th failure
    assert client.post(LOGIN, {"login": "ada", "password": PASSWORD}).status_code == 429
    assert client.post(LOGIN, {"login": "grace", "password": PASSWORD}).status_code == 302


def test_a_flood_from_one_address_is_refused_mostly_without_hashing(db, counting_hasher):
    client = Client(REMOTE_ADDR="192.0.2.50")
    statuses = [
        client.post(LOGIN, {"login": f"nobody{i}", "password": "x"}).status_code for i in range(60)
    ]

    assert statuses[:30] == [200] * 30  # 30 failures per address in 5 minutes
    assert set(statuses[30:]) == {429}
    assert counting_hasher.calls <= 30
    other = Client(REMOTE_ADDR="192.0.2.51")
    assert other.post(LOGIN, {"login": "nobody", "password": "x"}).status_code == 200


def test_admin_sign_in_page_sends_people_to_the_protected_sign_in(client, db):
    response = client.get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert response["Location"].endswith("?next=%2Fadmin%2F")


def test_posting_a_password_to_the_admin_sign_in_signs_nobody_in(client, db, counting_hasher):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    counting_hasher.calls = 0

    response = client.post("/admin/login/", {"username": "root", "password": PASSWORD})

    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert counting_hasher.calls == 0


def test_admin_sign_in_is_locked_after_ten_failures_too(client, db):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    start = client.get("/admin/", follow=True)
    form_url = start.redirect_chain[-1][0]
    assert form_url.startswith(LOGIN)
    for _ in range(10):
        assert client.post(form_url, {"login": "root", "password": "nope"}).status_code == 200

    locked = client.post(form_url, {"login": "root", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Try again after" in locked.content.decode()
    assert client.get("/admin/").status_code == 302  # still signed out


def test_admin_signs_in_through_the_app_page_and_lands_in_the_admin(client, db):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    start = client.get("/admin/", follow=True)
    form_url = start.redirect_chain[-1][0]

    response = client.post(form_url, {"login": "root", "password": PASSWORD}, follow=True)

    assert response.redirect_chain[-1][0] == "/admin/"
    assert response.status_code == 200


def test_failures_and_the_lockout_are_on_the_audit_page(client, db, client_for):
    UserFactory(username="ada")
    admin = UserFactory(username="root", is_staff=True)
    fail(client, "ada", 10, REMOTE_ADDR="198.51.100.9")

    assert AuditEvent.objects.filter(action="auth.login_failed").count() == 10
    lock = AuditEvent.objects.get(action="auth.locked_out")
    assert lock.actor_label == "ada"
    assert lock.client_address == "198.51.100.9"
    assert lock.data["scope"] == "account"
    page = client_for(admin).get(reverse("accounts:audit"), {"actor": "ada"}).content.decode()
    assert page.count("auth.login_failed</code>") == 10
    assert page.count("auth.locked_out</code>") == 1
    assert "198.51.100.9" in page


def test_accepting_an_invitation_is_limited_per_link(client, db):
    url = reverse("accounts:invitation_accept", args=["not-a-real-token"])
    statuses = [client.post(url, {"name": "x"}).status_code for _ in range(11)]

    assert 429 not in statuses[:10]
    assert statuses[10] == 429
    assert client.get(url).status_code != 429  # looking is not trying


def test_a_flood_of_other_counters_does_not_evict_a_lock(client, db):
    from django.core.cache import cache

    UserFactory(username="ada")
    fail(client, "ada", 10)
    for i in range(400):  # more than Django's default MAX_ENTRIES of 300
        cache.set(f"flood:{i}", [time.time()], 300)

    assert client.post(LOGIN, {"login": "ada", "password": PASSWORD}).status_code == 429
