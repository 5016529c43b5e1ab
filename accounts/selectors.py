"""Shared reads of the accounts app."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import AuditEvent


def audit_events(
    *,
    action: str = "",
    actor: str = "",
    team_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    """Audit events, newest first, filtered; `since` and `until` are whole days (inclusive)
    in the site's time zone; `actor` matches the recorded name, case ignored."""
    events = AuditEvent.objects.select_related("team").order_by("-occurred_at", "-id")
    if action:
        events = events.filter(action=action)
    if actor:
        events = events.filter(actor_label__iexact=actor)
    if team_id is not None:
        events = events.filter(team_id=team_id)
    tz = timezone.get_current_timezone()
    if since is not None:
        events = events.filter(occurred_at__gte=dt.datetime.combine(since, dt.time.min, tz))
    if until is not None:
        next_day = until + dt.timedelta(days=1)
        events = events.filter(occurred_at__lt=dt.datetime.combine(next_day, dt.time.min, tz))
    return events


def audit_actions() -> list[str]:
    """Every action recorded so far, for the filter's choices."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())
