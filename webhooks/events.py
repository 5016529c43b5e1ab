"""The events a webhook endpoint can subscribe to, and how a delivery is signed.

No Django import. The body of every delivery is the JSON envelope
``{"id", "type", "created_at", "data"}``; receivers verify it with ``verify``'s recipe:
HMAC-SHA256 of ``"<timestamp>.<body>"`` with the endpoint's secret, hex-encoded, sent as
``X-Archreview-Signature: sha256=<hex>`` beside ``X-Archreview-Timestamp: <unix seconds>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from enum import StrEnum

SIGNATURE_HEADER = "X-Archreview-Signature"
TIMESTAMP_HEADER = "X-Archreview-Timestamp"
EVENT_HEADER = "X-Archreview-Event"
DELIVERY_HEADER = "X-Archreview-Delivery"
USER_AGENT = "archreview-webhooks/1"


class EventType(StrEnum):
    ITEM_CREATED = "item.created"
    ITEM_STATUS_CHANGED = "item.status_changed"
    ITEM_OVERDUE = "item.overdue"
    MILESTONE_TAKEN = "milestone.taken"
    REPORT_READY = "report.ready"
    WORKLOAD_RISK_CHANGED = "workload.risk_changed"
    # Sent by an admin's "Send a test event"; not subscribable.
    PING = "ping"


EVENT_LABELS: dict[EventType, str] = {
    EventType.ITEM_CREATED: "Improvement item created",
    EventType.ITEM_STATUS_CHANGED: "Improvement item status changed",
    EventType.ITEM_OVERDUE: "Improvement item overdue",
    EventType.MILESTONE_TAKEN: "Milestone taken",
    EventType.REPORT_READY: "Report ready",
    EventType.WORKLOAD_RISK_CHANGED: "Workload risk changed",
    EventType.PING: "Test event",
}

SUBSCRIBABLE: tuple[EventType, ...] = tuple(e for e in EventType if e is not EventType.PING)


def encode_body(envelope: dict) -> bytes:
    """The exact bytes sent (and signed): compact, keys sorted, UTF-8."""
    return json.dumps(envelope, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    """What a receiver does (also used by our tests). Check the timestamp's age separately."""
    try:
        expected = sign(secret, int(timestamp), body)
    except ValueError:
        return False
    return hmac.compare_digest(expected, signature)
