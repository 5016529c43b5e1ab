"""Transactional outbox: Celery messages that must not be lost.

A caller writes the message with ``outbox_enqueue(task_name=..., kwargs=...)`` inside the same
``transaction.atomic()`` block as the state change it announces, so either both are committed
or neither is. Publishing happens after the commit, twice over:

- at once, from the committing process (``transaction.on_commit``), with a short broker timeout;
  a failure is logged and swallowed: the request never sees a broker error;
- by the relay, ``outbox_relay()``, which celery beat runs every ``OUTBOX_RELAY_INTERVAL``
  seconds (``config.tasks.relay_outbox``): it publishes every row still here, oldest first.

A row is deleted once the broker accepted its message. Delivery is at least once (a crash
between the publish and the delete publishes again), so every task sent this way must be
idempotent. While the broker does not answer, a process backs off (``OUTBOX_BACKOFF_MAX``) so
that web requests do not each wait for a timeout.

Tasks are sent by name with no time limits in the message: the worker's own task definition
decides, so the sending process need not import the task (nor what it imports).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from config.models import OutboxMessage

logger = logging.getLogger(__name__)

PUBLISH_TIMEOUT = 2.0  # seconds per connection attempt and socket operation
RELAY_BATCH = 200


class _Backoff:
    """Process-wide: after a failed publish, skip the at-once path for a growing while."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.failures = 0
        self.until = 0.0

    def blocked(self) -> bool:
        return time.monotonic() < self.until

    def failed(self) -> None:
        with self._lock:
            self.failures += 1
            delay = min(2 ** (self.failures - 1), settings.OUTBOX_BACKOFF_MAX)
            self.until = time.monotonic() + delay

    def succeeded(self) -> None:
        with self._lock:
            self.failures = 0
            self.until = 0.0


backoff = _Backoff()


def outbox_enqueue(
    *, task_name: str, kwargs: dict[str, Any], countdown: float | None = None
) -> OutboxMessage:
    """Write a message for ``task_name(**kwargs)``; it is published after the commit.

    Must be called inside ``transaction.atomic()``: the row commits or rolls back with the
    caller's state change. ``kwargs`` must be JSON (ids, not objects). ``countdown`` delays the
    task's start by that many seconds (the message is still published at once, with an ETA).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("outbox_enqueue() must run inside the caller's transaction.atomic()")
    json.dumps(kwargs)  # a bad argument fails here, in the caller, not later in the relay
    not_before = timezone.now() + timedelta(seconds=countdown) if countdown else None
    message = OutboxMessage.objects.create(
        task_name=task_name, kwargs=kwargs, not_before=not_before
    )
    transaction.on_commit(lambda: _publish_soon(message.pk))
    return message


def _publish_soon(message_id: int) -> None:
    if backoff.blocked():
        return  # the relay will send it once the broker answers
    try:
        _publish(OutboxMessage.objects.filter(pk=message_id))
    except Exception as exc:  # never raise into the request that committed
        logger.warning(
            "Outbox: broker unavailable, message %s waits for the relay: %s", message_id, exc
        )


def outbox_relay(*, limit: int = RELAY_BATCH) -> int:
    """Publish waiting messages, oldest first; returns how many were sent.

    Raises the broker's error after recording it on the first message that could not be sent
    (messages sent before it are deleted). Safe to run from several processes at once: each row
    is locked while it is published and skipped by the others.
    """
    return _publish(OutboxMessage.objects.all()[:limit])


def outbox_pending() -> int:
    return OutboxMessage.objects.count()


def _connection():
    from config.celery import app

    options = dict(getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}) or {})
    # Redis options (other transports ignore them): a dead broker must not hang a request.
    options.update(socket_timeout=PUBLISH_TIMEOUT, socket_connect_timeout=PUBLISH_TIMEOUT)
    # The URL is read on every call so a process follows its settings, like /healthz.
    return app.connection_for_write(
        settings.CELERY_BROKER_URL, connect_timeout=PUBLISH_TIMEOUT, transport_options=options
    )


def _publish(rows: QuerySet[OutboxMessage]) -> int:
    from config.celery import app

    sent: list[int] = []
    error: Exception | None = None
    with transaction.atomic():
        messages = list(rows.select_for_update(skip_locked=True))
        if not messages:
            return 0
        try:
            with _connection() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, timeout=PUBLISH_TIMEOUT)
                producer = app.amqp.Producer(conn)
                for message in messages:
                    app.send_task(
                        message.task_name,
                        kwargs=message.kwargs,
                        eta=message.not_before,
                        producer=producer,
                        retry=False,
                        time_limit=None,
                        soft_time_limit=None,
                    )
                    sent.append(message.pk)
        except Exception as exc:  # the broker's errors vary by transport
            error = exc
            failed = messages[len(sent)]
            OutboxMessage.objects.filter(pk=failed.pk).update(
                publish_attempts=failed.publish_attempts + 1, last_error=str(exc)[:500]
            )
        if sent:
            OutboxMessage.objects.filter(pk__in=sent).delete()
    if error is not None:
        backoff.failed()
        raise error
    backoff.succeeded()
    return len(sent)
