from __future__ import annotations

import pytest
from django.test import Client

from tests import factories


@pytest.fixture
def architect(db):
    return factories.MembershipFactory(role="architect").user


@pytest.fixture
def client_for():
    """A logged-in test client for a user: ``client_for(user)``."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
