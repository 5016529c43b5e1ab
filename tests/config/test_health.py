from __future__ import annotations

import socket
import time

import pytest
from django.urls import reverse


def _closed_port() -> int:
    # Bind then release a port: nothing listens there for the rest of the test.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_reports_ok_with_database_and_broker_up(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_naming_the_broker_quickly_when_it_is_down(client, db, settings):
    settings.CELERY_BROKER_URL = f"redis://:s3cret-token@127.0.0.1:{_closed_port()}/0"

    started = time.monotonic()
    response = client.get(reverse("healthz"))
    elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json() == {"database": "ok", "broker": "unavailable"}
    assert elapsed < 5
    body = response.content.decode()
    assert "s3cret-token" not in body
    assert "Traceback" not in body


def test_healthz_gives_up_on_a_broker_that_accepts_but_never_answers(client, db, settings):
    # A real TCP server that accepts connections and stays silent, like a hung Redis.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{server.getsockname()[1]}/0"

        started = time.monotonic()
        response = client.get(reverse("healthz"))
        elapsed = time.monotonic() - started

    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"
    assert elapsed < 5


def test_healthz_answers_503_naming_the_database_when_it_is_down(client, transactional_db, caplog):
    from django.db import connection

    saved = dict(connection.settings_dict)
    # A real connection attempt to a port where no PostgreSQL listens. Restored by hand, not
    # by monkeypatch: pytest-django flushes the database before monkeypatch would undo it.
    connection.close()
    connection.settings_dict.update(PORT=str(_closed_port()), PASSWORD="s3cret-db-password")
    try:
        response = client.get(reverse("healthz"))
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)

    assert response.status_code == 503
    assert response.json() == {"database": "unavailable", "broker": "ok"}
    assert "Connection refused" in caplog.text  # it failed connecting, not for another reason
    assert "s3cret-db-password" not in response.content.decode()


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_healthz_accepts_only_get(client, db, method):
    response = getattr(client, method)(reverse("healthz"))

    assert response.status_code == 405
