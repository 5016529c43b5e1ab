"""Worker-only Celery pieces, loaded by name from settings (never imported by the web side)."""

from __future__ import annotations

import logging
from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer
from django.conf import settings

logger = logging.getLogger(__name__)


class Consumer(CeleryConsumer):
    """Celery's consumer, reconnecting to a lost broker at least every few seconds.

    Celery waits 2, 4, 6... up to 30 s between tries, so after a long Redis outage a worker can
    sit idle for half a minute while the broker is back. Tries every 1, 2... up to
    ``CELERY_BROKER_RECONNECT_MAX`` s instead: a refused connection costs nothing, and the
    reports queued meanwhile start within seconds (see docs/operations.md).

    It also survives a broker lost while a message is still unacknowledged (a render running, or
    its acknowledgement in flight) and a read from the queue is pending: Celery 5.7 first
    collects the broken connection, which detaches it from its transport, then closes it, and
    the channel left open asks the detached transport where to restore the message: an
    ``AttributeError`` that Celery does not expect ended the whole worker.
    """

    def on_connection_error_after_connected(self, exc: Exception) -> None:
        connection = self.connection
        if connection is not None:
            close = connection.close

            def close_collected() -> None:
                try:
                    close()
                except AttributeError:
                    # The message stays in Redis's unacknowledged set and comes back after the
                    # visibility timeout (if Redis kept it); a report's own sweep re-queues a
                    # report whose message was lost. Nothing else is left to close.
                    logger.warning(
                        "The lost broker connection was already torn down; "
                        "its unacknowledged messages return after the visibility timeout."
                    )

            connection.close = close_collected
        super().on_connection_error_after_connected(exc)

    def ensure_connected(self, conn: Any) -> Any:
        ensure = conn.ensure_connection

        def ensure_often(*args: Any, **kwargs: Any) -> Any:
            kwargs.update(
                interval_start=1, interval_step=1, interval_max=settings.CELERY_BROKER_RECONNECT_MAX
            )
            return ensure(*args, **kwargs)

        conn.ensure_connection = ensure_often
        return super().ensure_connected(conn)
