"""Liveness checks for /healthz. They report a word, never a secret or a stack trace."""

from __future__ import annotations

import logging

from django.db import connection

logger = logging.getLogger(__name__)


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure is reported as "unavailable", details go to the log
        logger.exception("health check: database unavailable")
        return "unavailable"
    return "ok"


BROKER_TIMEOUT = 2.0  # seconds; a load balancer's probe must not hang on a dead broker


def check_broker() -> str:
    from django.conf import settings

    from config.celery import app

    try:
        # The URL is read from settings on every call so the check follows the configuration
        # the process runs with, not the one the Celery app happened to be built with.
        with app.connection_for_write(
            settings.CELERY_BROKER_URL,
            connect_timeout=BROKER_TIMEOUT,
            # Without a read timeout a broker that accepts the connection but never answers
            # would hang the probe (Redis options; other transports ignore them).
            transport_options={
                "socket_timeout": BROKER_TIMEOUT,
                "socket_connect_timeout": BROKER_TIMEOUT,
            },
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=BROKER_TIMEOUT)
    except Exception:
        logger.exception("health check: broker unavailable")
        return "unavailable"
    return "ok"
