"""How many lens files one user may import, upload or export in a window.

Each one reads or writes up to 500 KB and validates a whole bank, so it is limited like report
requests. Counted from the audit trail (``lens.imported``, ``lens.import_refused``,
``lens.exported``), which every such request writes, so the limit holds across processes.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.models import AuditEvent
from questions.audit_actions import LensAction

COUNTED = (LensAction.IMPORTED, LensAction.IMPORT_REFUSED, LensAction.EXPORTED)


class LensLimitReached(Exception):
    """Too many lens imports and exports recently; ``str()`` is the message for the user."""


def lens_rate_check(*, user) -> None:
    """Raise ``LensLimitReached`` once ``user`` has imported or exported
    ``LENS_RATE_PER_USER`` lens files within ``LENS_RATE_WINDOW`` seconds. One query."""
    window = settings.LENS_RATE_WINDOW
    since = timezone.now() - timedelta(seconds=window)
    done = AuditEvent.objects.filter(
        actor_id=getattr(user, "pk", None), action__in=COUNTED, occurred_at__gt=since
    ).count()
    if done >= settings.LENS_RATE_PER_USER:
        minutes = max(1, round(window / 60))
        raise LensLimitReached(
            f"You have imported or exported {done} lens files in the last {minutes} minutes, "
            "the most allowed. Try again later."
        )
