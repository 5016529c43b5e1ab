"""Webhooks: register endpoints, emit events, deliver them with retries, send again, sweep.

The ``Delivery`` row is the truth; a Celery message only says "try delivery N now". Every state
change is a conditional UPDATE on the current status (and attempt number), so a redelivered
message or a re-queue by the sweep never sends the same attempt twice.

    pending --claim--> sending --2xx--> delivered
       ^                  |--error, attempts left: next_attempt_at = now + backoff--> pending
       |                  |--error, last attempt or refused address--> failed
       +--sweep (lost message, dead worker)
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.audit import audit_record
from config.outbox import outbox_enqueue
from webhooks import events, sender
from webhooks.audit_actions import WebhookAction
from webhooks.events import EventType
from webhooks.models import Delivery, Endpoint, new_secret

logger = logging.getLogger(__name__)

Status = Delivery.Status

ERROR_DISABLED = "Not sent: the endpoint is disabled."


DELIVER_TASK = "webhooks.tasks.deliver_webhook"


def _queue(delivery_id: int, *, countdown: float | None = None) -> None:
    """Queue an attempt of ``delivery_id`` with the caller's transaction (outbox): sent once it
    commits, by the relay if the broker is down then."""
    outbox_enqueue(task_name=DELIVER_TASK, kwargs={"delivery_id": delivery_id}, countdown=countdown)


def _allowed_networks() -> tuple[sender.IPNetwork, ...]:
    return sender.parse_networks(settings.WEBHOOK_ALLOWED_NETWORKS)


def backoff_seconds(attempts: int) -> int:
    """Wait before attempt ``attempts + 1``: base, 2 x base, 4 x base, ... capped."""
    base = settings.WEBHOOK_RETRY_BACKOFF
    return int(min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOK_RETRY_BACKOFF_MAX))


# --- Endpoints --------------------------------------------------------------------------------
def validate_url(url: str) -> None:
    """Refuse what can never be delivered: other schemes, credentials, a forbidden literal IP.

    Host names are checked when sending (their address may change), not here.
    """
    try:
        hop = sender._parse(url)
    except sender.Refused as exc:
        raise ValidationError(f"This URL cannot be used: {exc}.", code="url") from exc
    try:
        problem = sender.address_problem(hop.host, _allowed_networks())
    except ValueError:
        return  # a host name
    if problem:
        raise ValidationError(f"This URL cannot be used: {problem}.", code="url")


def _summary(endpoint: Endpoint) -> dict[str, Any]:
    """What the audit trail keeps of an endpoint (never its secret)."""
    return {
        "name": endpoint.name,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "team": endpoint.team_id,
        "is_active": endpoint.is_active,
    }


@transaction.atomic
def endpoint_create(
    *,
    name: str,
    url: str,
    events: list[str],
    team=None,
    is_active: bool = True,
    user=None,
    request: HttpRequest | None = None,
) -> Endpoint:
    endpoint = Endpoint(
        name=name.strip(),
        url=url,
        events=sorted(set(events)),
        team=team,
        is_active=is_active,
        created_by=user,
    )
    validate_url(url)
    endpoint.full_clean()
    endpoint.save()
    audit_record(
        action=WebhookAction.ENDPOINT_CREATED,
        actor=user,
        request=request,
        target=endpoint,
        team=endpoint.team_id,
        data=_summary(endpoint),
    )
    return endpoint


@transaction.atomic
def endpoint_update(
    *,
    endpoint: Endpoint,
    rotate_secret: bool = False,
    user=None,
    request: HttpRequest | None = None,
    **fields: Any,
) -> Endpoint:
    """Change ``name``, ``url``, ``events``, ``team`` or ``is_active``; a new secret on request."""
    allowed = {"name", "url", "events", "team", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise TypeError(f"endpoint_update() got unexpected fields {sorted(unknown)}")
    if "url" in fields:
        validate_url(fields["url"])
    if "events" in fields:
        fields["events"] = sorted(set(fields["events"]))
    before = _summary(endpoint)
    for name, value in fields.items():
        setattr(endpoint, name, value)
    if rotate_secret:
        endpoint.secret = new_secret()
    endpoint.updated_at = timezone.now()
    endpoint.full_clean()
    endpoint.save()
    after = _summary(endpoint)
    changed = {k: {"before": before[k], "after": after[k]} for k in after if before[k] != after[k]}
    if changed:
        audit_record(
            action=WebhookAction.ENDPOINT_CHANGED,
            actor=user,
            request=request,
            target=endpoint,
            team=endpoint.team_id,
            data={"changes": changed},
        )
    if rotate_secret:
        audit_record(
            action=WebhookAction.SECRET_ROTATED,
            actor=user,
            request=request,
            target=endpoint,
            team=endpoint.team_id,
        )
    return endpoint


@transaction.atomic
def endpoint_delete(*, endpoint: Endpoint, user=None, request: HttpRequest | None = None) -> None:
    audit_record(
        action=WebhookAction.ENDPOINT_DELETED,
        actor=user,
        request=request,
        target=endpoint,
        team=endpoint.team_id,
        data=_summary(endpoint),
    )
    endpoint.delete()


# --- Emitting ---------------------------------------------------------------------------------
def webhook_event_emit(
    *, event: EventType, data: dict, team_id: int | None, endpoint: Endpoint | None = None
) -> list[int]:
    """Queue ``event`` to every active endpoint that wants it (or only to ``endpoint``).

    Call it inside the transaction that made the change: the deliveries are written with it and
    sent only once it commits. Costs one query when no endpoint wants the event; otherwise one
    more for the deliveries and one outbox row per delivery.
    """
    return webhook_events_emit(events=[(event, data)], team_id=team_id, endpoint=endpoint)


def webhook_events_emit(
    *,
    events: list[tuple[EventType, dict]],
    team_id: int | None,
    endpoint: Endpoint | None = None,
) -> list[int]:
    """Several events of one team at once, for the price of one (one endpoint query)."""
    if not events:
        return []
    if endpoint is not None:
        endpoints = [endpoint]
    else:
        candidates = Endpoint.objects.filter(is_active=True).only("pk", "events")
        if team_id is not None:
            candidates = candidates.filter(Q(team__isnull=True) | Q(team_id=team_id))
        else:
            candidates = candidates.filter(team__isnull=True)
        endpoints = list(candidates)
    rows: list[Delivery] = []
    for event, data in events:
        targets = [e for e in endpoints if e.wants(event)]
        if not targets:
            continue
        event_id = uuid.uuid4()
        envelope = {
            "id": str(event_id),
            "type": event.value,
            "created_at": timezone.now().isoformat(),
            "data": data,
        }
        rows += [
            Delivery(endpoint=target, event_id=event_id, event=event.value, payload=envelope)
            for target in targets
        ]
    if not rows:
        return []
    with transaction.atomic(savepoint=False):
        rows = Delivery.objects.bulk_create(rows)
        for row in rows:
            _queue(row.pk)
    return [row.pk for row in rows]


@transaction.atomic
def endpoint_ping(*, endpoint: Endpoint, user=None, request: HttpRequest | None = None) -> int:
    """Send a test event to ``endpoint`` (even if it wants no event); the delivery's id."""
    data: dict[str, Any] = {"endpoint": {"id": endpoint.pk, "name": endpoint.name}}
    if user is not None:
        data["requested_by"] = user.get_username()
    [delivery_id] = webhook_event_emit(
        event=EventType.PING, data=data, team_id=None, endpoint=endpoint
    )
    audit_record(
        action=WebhookAction.TEST_SENT,
        actor=user,
        request=request,
        target=endpoint,
        team=endpoint.team_id,
        data={"delivery": delivery_id},
    )
    return delivery_id


@transaction.atomic
def delivery_resend(
    *, delivery: Delivery, user=None, request: HttpRequest | None = None
) -> Delivery:
    """Send the same event (same id and body) again, as a new delivery row."""
    if not delivery.endpoint.is_active:
        raise ValidationError("The endpoint is disabled: enable it first.", code="disabled")
    again = Delivery.objects.create(
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event=delivery.event,
        payload=delivery.payload,
        redelivery_of=delivery,
        requested_by=user,
    )
    _queue(again.pk)
    audit_record(
        action=WebhookAction.DELIVERY_RESENT,
        actor=user,
        request=request,
        target=delivery.endpoint,
        team=delivery.endpoint.team_id,
        data={"event": delivery.event, "event_id": str(delivery.event_id), "delivery": again.pk},
    )
    return again


# --- Delivering (worker side) -----------------------------------------------------------------
@dataclass(frozen=True)
class AttemptOutcome:
    delivery_id: int
    status: str
    retry_in: int | None = None  # seconds until the next attempt, if one is planned


def delivery_claim(*, delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """Take a pending delivery that is due; ``None`` if another worker has it or it is done."""
    now = now or timezone.now()
    # A countdown message may arrive a moment before next_attempt_at: a little slack.
    claimed = Delivery.objects.filter(
        pk=delivery_id, status=Status.PENDING, next_attempt_at__lte=now + timedelta(seconds=2)
    ).update(status=Status.SENDING, attempts=F("attempts") + 1, last_attempt_at=now)
    if not claimed:
        return None
    return Delivery.objects.select_related("endpoint").get(pk=delivery_id)


def _headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        "Content-Type": "application/json",
        "User-Agent": events.USER_AGENT,
        events.EVENT_HEADER: delivery.event,
        events.DELIVERY_HEADER: str(delivery.event_id),
        events.TIMESTAMP_HEADER: str(timestamp),
        events.SIGNATURE_HEADER: events.sign(delivery.endpoint.secret, timestamp, body),
    }


def delivery_attempt(
    *, delivery_id: int, resolver: sender.Resolver = sender.system_resolver
) -> AttemptOutcome | None:
    """Claim, send once, record the outcome. ``None`` when there was nothing to do.

    Runs outside any transaction (the HTTP call must not hold a database transaction open).
    """
    delivery = delivery_claim(delivery_id=delivery_id)
    if delivery is None:
        return None
    mine = Q(pk=delivery.pk, status=Status.SENDING, attempts=delivery.attempts)
    if not delivery.endpoint.is_active:
        Delivery.objects.filter(mine).update(status=Status.FAILED, error=ERROR_DISABLED)
        return AttemptOutcome(delivery.pk, Status.FAILED)
    body = events.encode_body(delivery.payload)
    result = sender.send(
        delivery.endpoint.url,
        body,
        _headers(delivery, body),
        allowed_networks=_allowed_networks(),
        connect_timeout=settings.WEBHOOK_CONNECT_TIMEOUT,
        read_timeout=settings.WEBHOOK_READ_TIMEOUT,
        resolver=resolver,
    )
    now = timezone.now()
    record = {
        "status_code": result.status_code,
        "duration_ms": result.duration_ms,
        "error": result.error[:500],
        "response_excerpt": result.response_excerpt,
    }
    if result.ok:
        Delivery.objects.filter(mine).update(status=Status.DELIVERED, delivered_at=now, **record)
        return AttemptOutcome(delivery.pk, Status.DELIVERED)
    if result.refused or delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        Delivery.objects.filter(mine).update(status=Status.FAILED, **record)
        logger.warning("Webhook delivery %s failed: %s", delivery.pk, result.error)
        return AttemptOutcome(delivery.pk, Status.FAILED)
    wait = backoff_seconds(delivery.attempts)
    with transaction.atomic():
        updated = Delivery.objects.filter(mine).update(
            status=Status.PENDING, next_attempt_at=now + timedelta(seconds=wait), **record
        )
        if not updated:  # the sweep took it back meanwhile and will queue it
            return AttemptOutcome(delivery.pk, Status.PENDING)
        _queue(delivery.pk, countdown=wait)
    return AttemptOutcome(delivery.pk, Status.PENDING, retry_in=wait)


# --- Sweep ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SweepResult:
    requeued: list[int]
    failed: list[int]


def delivery_sweep(*, now: datetime | None = None) -> SweepResult:
    """Re-queue deliveries whose message was lost (still pending well past their time) or
    whose worker died (still sending well past the timeouts); fail those out of attempts."""
    now = now or timezone.now()
    lost = Q(
        status=Status.PENDING,
        next_attempt_at__lt=now - timedelta(seconds=settings.WEBHOOK_QUEUE_TIMEOUT),
    )
    stale = Q(
        status=Status.SENDING,
        last_attempt_at__lt=now - timedelta(seconds=settings.WEBHOOK_STALE_AFTER),
    )
    requeued: list[int] = []
    failed: list[int] = []
    with transaction.atomic():
        rows = (
            Delivery.objects.filter(lost | stale)
            .select_for_update(skip_locked=True)
            .only("pk", "status", "attempts")
        )
        for row in rows:
            current = Delivery.objects.filter(pk=row.pk, status=row.status, attempts=row.attempts)
            if row.status == Status.SENDING and row.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
                if current.update(status=Status.FAILED, error="The worker sending it stopped."):
                    failed.append(row.pk)
                continue
            if current.update(status=Status.PENDING, next_attempt_at=now):
                requeued.append(row.pk)
                _queue(row.pk)
    if requeued or failed:
        logger.warning("Webhook sweep: re-queued %s, failed %s", requeued, failed)
    return SweepResult(requeued=requeued, failed=failed)
