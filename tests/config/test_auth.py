from __future__ import annotations

import re

from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.factories import UserFactory

PASSWORD = "correct-horse-battery"  # what UserFactory sets


def test_sign_in_page_renders_a_labelled_form(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get(reverse("account_login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<label\s+for="id_login"', html)
    assert re.search(r'<label\s+for="id_password"', html)
    assert 'name="csrfmiddlewaretoken"' in html


def test_the_root_url_sends_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get("/", follow=True)

    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert "Sign in" in response.content.decode()


def test_signing_in_with_the_right_password_opens_the_dashboard(client, db):
    user = UserFactory(username="ada")

    response = client.post(
        reverse("account_login"), {"login": "ada", "password": PASSWORD}, follow=True
    )

    assert response.redirect_chain[-1][0] == reverse("reviews:dashboard")
    assert client.session[SESSION_KEY] == str(user.pk)
    assert "ada" in response.content.decode()


def test_a_wrong_password_is_refused_with_a_message_and_no_session(client, db):
    UserFactory(username="ada")

    response = client.post(reverse("account_login"), {"login": "ada", "password": "nope"})

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert (
        "The username and/or password you specified are not correct." in response.content.decode()
    )


def test_opening_the_sign_out_address_asks_for_the_button_and_signs_nobody_out(
    client, db, django_assert_num_queries
):
    user = UserFactory(username="ada")
    client.force_login(user)

    with django_assert_num_queries(2):  # session, user
        response = client.get(reverse("account_logout"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "You are signed in as ada" in html
    assert re.search(r'<form method="post" action="/accounts/logout/">', html)
    assert client.session[SESSION_KEY] == str(user.pk)


def test_the_sign_out_address_sends_an_anonymous_visitor_to_sign_in(client, db):
    response = client.get(reverse("account_logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")


def test_signing_out_ends_the_session_and_says_so(client, db):
    client.force_login(UserFactory())

    response = client.post(reverse("account_logout"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("account_login")
    assert SESSION_KEY not in client.session
    assert "You have signed out." in response.content.decode()


def test_navbar_offers_sign_out_as_a_form_post(client, db):
    client.force_login(UserFactory(username="grace"))

    html = client.get(reverse("reviews:dashboard")).content.decode()

    assert f'<form method="post" action="{reverse("account_logout")}">' in html
    assert "grace" in html


def test_password_change_page_needs_sign_in(client, db):
    response = client.get(reverse("account_change_password"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_changing_the_password_keeps_the_user_signed_in_and_the_new_one_works(client, db):
    user = UserFactory(username="ada")
    client.force_login(user)
    assert client.get(reverse("account_change_password")).status_code == 200

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-much-longer-passphrase-42",
            "password2": "a-much-longer-passphrase-42",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("account_change_password")
    assert "Password successfully changed." in response.content.decode()
    assert client.session[SESSION_KEY] == str(user.pk)
    user.refresh_from_db()
    assert user.check_password("a-much-longer-passphrase-42")


def test_a_wrong_current_password_changes_nothing(client, db):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": "wrong",
            "password1": "a-much-longer-passphrase-42",
            "password2": "a-much-longer-passphrase-42",
        },
    )

    assert response.status_code == 200
    assert "Please type your current password." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
