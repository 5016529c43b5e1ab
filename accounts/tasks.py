"""Celery tasks of the accounts app."""

from __future__ import annotations

from celery import shared_task

from accounts.retention import audit_expire


@shared_task(ignore_result=True)
def expire_audit_events() -> None:
    """Periodic (celery beat): delete audit events past ``AUDIT_RETENTION_DAYS``."""
    audit_expire()
