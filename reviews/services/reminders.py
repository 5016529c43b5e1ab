"""Daily reminders: one e-mail per owner of open items overdue or due within 7 days, and the
``item.overdue`` webhook once per item and due date. Run by celery beat
(``reviews.tasks.send_item_reminders``); harmless to run twice a day (mail aside, which the
schedule avoids)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from reviews.items_queries import open_q
from reviews.models import ImprovementItem, ReminderOptOut
from reviews.services.items import _item_data
from webhooks.events import EventType
from webhooks.services import webhook_events_emit

HORIZON_DAYS = 7


def _due_items(today: dt.date):
    return (
        ImprovementItem.objects.filter(open_q())
        .filter(
            due_date__isnull=False,
            due_date__lte=today + dt.timedelta(days=HORIZON_DAYS),
            workload__archived_at__isnull=True,
            lens_review__removed_at__isnull=True,
        )
        .select_related("workload", "owner", "question")
        .order_by("due_date", "pk")
    )


def item_reminders_send(*, today: dt.date | None = None) -> int:
    """E-mail every owner who did not opt out; returns the number of mails sent."""
    today = today or timezone.localdate()
    opted_out = ReminderOptOut.objects.values("user_id")
    items = _due_items(today).filter(
        ~Q(owner_id__in=opted_out), owner__is_active=True, owner__email__gt=""
    )
    by_owner: dict = defaultdict(list)
    for item in items:
        by_owner[item.owner].append(item)
    base = settings.SITE_URL.rstrip("/")
    sent = 0
    for owner, owned in by_owner.items():
        overdue = [i for i in owned if i.due_date < today]
        context = {
            "owner": owner,
            "overdue": overdue,
            "soon": [i for i in owned if i.due_date >= today],
            "base": base,
            "my_items": base + reverse("reviews:my_items"),
            "settings_url": base + reverse("reviews:item_reminders"),
        }
        subject = (
            f"{len(overdue)} overdue improvement item{'s' if len(overdue) != 1 else ''}"
            if overdue
            else f"{len(owned)} improvement item{'s' if len(owned) != 1 else ''} due this week"
        )
        send_mail(
            subject=f"archreview: {subject}",
            message=render_to_string("reviews/items/reminder_email.txt", context),
            from_email=None,
            recipient_list=[owner.email],
        )
        sent += 1
    return sent


@transaction.atomic
def items_overdue_notify(*, today: dt.date | None = None) -> list[int]:
    """Emit ``item.overdue`` once per item and due date (the webhook event)."""
    today = today or timezone.localdate()
    items = list(
        _due_items(today)
        .filter(due_date__lt=today)
        .filter(Q(overdue_notified_on__isnull=True) | Q(overdue_notified_on__lt=F_due()))
    )
    by_team: dict[int, list] = defaultdict(list)
    for item in items:
        by_team[item.workload.team_id].append(
            (EventType.ITEM_OVERDUE, _item_data(item, item.workload))
        )
    for team_id, events in by_team.items():
        webhook_events_emit(team_id=team_id, events=events)
    ImprovementItem.objects.filter(pk__in=[i.pk for i in items]).update(overdue_notified_on=today)
    return [i.pk for i in items]


def F_due():  # noqa: N802 - reads like the field it stands for
    from django.db.models import F

    # Notified before the current due date: the date moved since, so it is overdue anew.
    return F("due_date")
