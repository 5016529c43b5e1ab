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


def check_broker() -> str:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        logger.exception("health check: broker unavailable")
        return "unavailable"
    return "ok"
