"""Limits on report requests: how many one user, and one team, may ask for in a window.

A render costs a worker seconds of CPU and the disk a file, so a member clicking "Request"
in a loop must not starve every other team. Counted from the ``Report`` rows themselves
(retention keeps the rows), so the limit holds across web processes and restarts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone

from reviews.models import Report


class ReportLimitReached(Exception):
    """Too many reports requested recently; ``str()`` is the message for the user."""


def _window_text(seconds: int) -> str:
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "hour" if hours == 1 else f"{hours} hours"
    minutes = max(1, round(seconds / 60))
    return "minute" if minutes == 1 else f"{minutes} minutes"


def _wait_text(until: datetime, now: datetime) -> str:
    minutes = max(1, round((until - now).total_seconds() / 60))
    return "a minute" if minutes == 1 else f"{minutes} minutes"


def report_rate_check(*, user, team_id: int, now: datetime | None = None) -> None:
    """Raise ``ReportLimitReached`` if ``user`` or team ``team_id`` has requested as many
    reports as allowed within ``REPORT_RATE_WINDOW`` seconds. One query."""
    now = now or timezone.now()
    window = settings.REPORT_RATE_WINDOW
    since = now - timedelta(seconds=window)
    recent = Report.objects.filter(created_at__gt=since)
    mine = Q(requested_by=user) if user is not None and user.is_authenticated else Q(pk=None)
    team = Q(workload__team_id=team_id)
    counts = recent.filter(mine | team).aggregate(
        user_n=Count("pk", filter=mine),
        user_first=Min("created_at", filter=mine),
        team_n=Count("pk", filter=team),
        team_first=Min("created_at", filter=team),
    )
    period = _window_text(window)
    if counts["user_n"] >= settings.REPORT_RATE_PER_USER:
        wait = _wait_text(counts["user_first"] + timedelta(seconds=window), now)
        raise ReportLimitReached(
            f"You have requested {counts['user_n']} reports in the last {period}, the most "
            f"allowed. You can request another in about {wait}; the reports already requested "
            "are listed below."
        )
    if counts["team_n"] >= settings.REPORT_RATE_PER_TEAM:
        wait = _wait_text(counts["team_first"] + timedelta(seconds=window), now)
        raise ReportLimitReached(
            f"Your team has requested {counts['team_n']} reports in the last {period}, the "
            f"most allowed. Another can be requested in about {wait}."
        )
