"""The transactional outbox: rows written with the caller's transaction, published after the
commit or by the relay, never a broker error in the caller. Real PostgreSQL and Redis."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.db import transaction
from kombu import Connection

from config.models import OutboxMessage
from config.outbox import backoff, outbox_enqueue, outbox_relay
from tests.live_redis import RedisServer

TASK = "config.tasks.worker_heartbeat"


@pytest.fixture(autouse=True)
def no_backoff():
    backoff.succeeded()
    yield
    backoff.succeeded()


def _queued_bodies(broker_url: str) -> list[dict]:
    with Connection(broker_url) as conn:
        client = conn.default_channel.client
        return [json.loads(raw) for raw in client.lrange(settings.CELERY_TASK_DEFAULT_QUEUE, 0, -1)]


@pytest.fixture
def broker(settings, tmp_path):
    server = RedisServer(tmp_path).start()
    settings.CELERY_BROKER_URL = server.url
    yield server
    server.stop()


def test_enqueue_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError, match="transaction.atomic"):
        outbox_enqueue(task_name=TASK, kwargs={})
    assert OutboxMessage.objects.count() == 0


def test_kwargs_that_are_not_json_fail_in_the_caller(transactional_db):
    with pytest.raises(TypeError), transaction.atomic():
        outbox_enqueue(task_name=TASK, kwargs={"when": object()})
    assert OutboxMessage.objects.count() == 0


def test_a_rolled_back_transaction_sends_nothing(transactional_db, broker):
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        outbox_enqueue(task_name=TASK, kwargs={"n": 1})
        1 / 0  # noqa: B018 - the caller's state change fails after the enqueue
    assert OutboxMessage.objects.count() == 0
    assert _queued_bodies(broker.url) == []


def test_a_committed_message_is_published_at_once_and_its_row_removed(transactional_db, broker):
    with transaction.atomic():
        outbox_enqueue(task_name=TASK, kwargs={"n": 1})
    assert OutboxMessage.objects.count() == 0
    assert len(_queued_bodies(broker.url)) == 1


def test_while_the_broker_is_down_messages_wait_and_the_relay_sends_them_once_it_is_back(
    transactional_db, broker
):
    broker.stop()
    for n in range(3):
        with transaction.atomic():  # commits without an error reaching the caller
            outbox_enqueue(task_name=TASK, kwargs={"n": n})
    assert OutboxMessage.objects.count() == 3
    with pytest.raises(Exception):  # noqa: B017 - the transport's own connection error
        outbox_relay()
    waiting = OutboxMessage.objects.order_by("pk").first()
    assert waiting.publish_attempts >= 1 and waiting.last_error
    assert backoff.blocked()

    broker.start()
    assert outbox_relay() == 3
    assert outbox_relay() == 0
    assert OutboxMessage.objects.count() == 0
    assert len(_queued_bodies(broker.url)) == 3  # each sent once


def test_the_relay_runs_from_celery_beat_every_few_seconds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["outbox-relay"]
    assert entry["task"] == "config.tasks.relay_outbox"
    assert entry["schedule"] == settings.OUTBOX_RELAY_INTERVAL <= 10
