from __future__ import annotations

import pytest
from django.test import Client

from tests import factories


@pytest.fixture
def architect(db):
    return factories.MembershipFactory(role="architect").user


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request, django_db_blocker):
    """Rate-limit counters live in the cache (a database table that flushes do not empty):
    a test that commits (transactional_db, live_server) must not leave them to the next."""
    yield
    if {"transactional_db", "live_server"} & set(request.fixturenames):
        from django.core.cache import cache

        with django_db_blocker.unblock():
            cache.clear()


@pytest.fixture(autouse=True)
def _empty_bank_cache():
    """Each test starts with the process's bank cache empty: a test's rows are rolled back,
    and a query count must not depend on which test ran before."""
    from reviews.selectors import bank_cache

    bank_cache.clear()


@pytest.fixture
def client_for():
    """A logged-in test client for a user: ``client_for(user)``."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


# --- real Celery worker -------------------------------------------------------------------------
@pytest.fixture
def worker_factory(transactional_db, tmp_path):
    """Build real Celery workers on the test database and test broker: ``worker_factory()``.

    Returns a not-yet-started ``LiveWorker``; call ``.start()``; ``database_url=`` points it at
    another address of the test database (a proxy a test can cut). Every worker built here is
    stopped at teardown, before pytest-django flushes the database.
    """
    from django.conf import settings

    from tests.live_worker import LiveWorker, purge_broker, worker_database_url

    purge_broker(settings.CELERY_BROKER_URL)
    workers: list[LiveWorker] = []

    def make(*, database_url: str | None = None) -> LiveWorker:
        worker = LiveWorker(
            database_url=database_url or worker_database_url(),
            broker_url=settings.CELERY_BROKER_URL,
            log_dir=tmp_path,
        )
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop(timeout=5)
        worker.kill()  # also reaps any orphaned pool child


@pytest.fixture
def live_worker(worker_factory):
    """A started ``celery -A config worker`` (solo pool) reading the test Redis queue.

    API: ``.start(pool=, env=, timeout=)``, ``.stop()``, ``.kill()`` (SIGKILL), ``.restart()``,
    ``.is_alive``, ``.pid``, ``.log_text()``, ``.wait_until(predicate, timeout=)``.
    """
    return worker_factory().start()


@pytest.fixture
def rel_bank(db):
    """The shipped REL 3-5 bank as its published ``LensVersion`` (loaded idempotently)."""
    from questions.banks import load_rel_bank

    return load_rel_bank()


# --- real SMTP server ---------------------------------------------------------------------------
@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on 127.0.0.1, with Django's SMTP backend pointed at it:
    ``smtp_server.mail_to(address)`` waits for a mail and returns it (tests/smtp.py)."""
    from tests.smtp import SmtpSink

    sink = SmtpSink().start()
    # Our backend, as production has it; loopback allowed for this local server only.
    settings.EMAIL_BACKEND = "accounts.mail.GuardedSMTPBackend"
    settings.EMAIL_ALLOW_PRIVATE_HOSTS = True
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    yield sink
    sink.stop()
