"""Worker-only Celery pieces, loaded by name from settings (never imported by the web side)."""

from __future__ import annotations

from typing import Any

from celery.worker.consumer import Consumer as CeleryConsumer
from django.conf import settings


class Consumer(CeleryConsumer):
    """Celery's consumer, reconnecting to a lost broker at least every few seconds.

    Celery waits 2, 4, 6... up to 30 s between tries, so after a long Redis outage a worker can
    sit idle for half a minute while the broker is back. Tries every 1, 2... up to
    ``CELERY_BROKER_RECONNECT_MAX`` s instead: a refused connection costs nothing, and the
    reports queued meanwhile start within seconds (see docs/operations.md).
    """

    def ensure_connected(self, conn: Any) -> Any:
        ensure = conn.ensure_connection

        def ensure_often(*args: Any, **kwargs: Any) -> Any:
            kwargs.update(
                interval_start=1, interval_step=1, interval_max=settings.CELERY_BROKER_RECONNECT_MAX
            )
            return ensure(*args, **kwargs)

        conn.ensure_connection = ensure_often
        return super().ensure_connected(conn)
