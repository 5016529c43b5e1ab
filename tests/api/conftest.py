from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import caches
from django.test import Client
from django.test.utils import override_settings
from pytest_django.live_server_helper import LiveServer

from api.services import token_create


@pytest.fixture(autouse=True)
def _fresh_throttle_counters():
    # Throttle counters live in the cache; one test's requests must not count for the next.
    caches["api"].clear()
    yield
    caches["api"].clear()


@pytest.fixture
def token_for(db):
    """``token_for(user, scope="write")`` -> the token text of a new token of ``user``."""

    def make(user, scope: str = "write", **kwargs) -> str:
        return token_create(user=user, name="test", scope=scope, **kwargs)[1]

    return make


@pytest.fixture
def api_for(token_for):
    """``api_for(user, scope="write")`` -> a test client sending that user's new token."""

    def make(user, scope: str = "write") -> Client:
        return Client(HTTP_AUTHORIZATION=f"Bearer {token_for(user, scope)}")

    return make


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server on loopback, with the placeholder MEDIA_URL its thread
    needs (see tests/browser/conftest.py: MEDIA_URL is unset on purpose)."""
    with override_settings(MEDIA_URL="/__live-server-media-unused__/"):
        server = LiveServer("127.0.0.1")
    yield server
    server.stop()
