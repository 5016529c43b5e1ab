"""The Django admin is branded as archreview and points to the app for everyday work."""

from __future__ import annotations

from django.urls import reverse

from tests.factories import UserFactory


def test_admin_is_branded_and_sends_everyday_work_to_the_app(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert "<title>Question banks and repairs | archreview administration</title>" in html
    assert "Django administration" not in html
    assert "teams, members and invitations" in html
