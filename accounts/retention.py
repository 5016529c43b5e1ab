"""Retention of the audit trail: events older than ``AUDIT_RETENTION_DAYS`` are deleted
(0 keeps them forever). Run by celery beat (``accounts.tasks.expire_audit_events``)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import AuditEvent


def audit_expire(*, now: datetime | None = None) -> int:
    """Delete the events past the retention period; return how many."""
    days = settings.AUDIT_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = AuditEvent.objects.filter(occurred_at__lt=cutoff).delete()
    return deleted
